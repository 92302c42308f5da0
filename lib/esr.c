/* SPDX-License-Identifier: MIT */
#include <armvirt/types.h>
