# SPDX-License-Identifier: MIT
# EL2-only sources added to libarmvirt in the freestanding configuration.
