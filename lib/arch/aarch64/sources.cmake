# SPDX-License-Identifier: MIT
# EL2-only sources added to libarmvirt in the freestanding configuration.
set(_av_arch_dir ${CMAKE_CURRENT_LIST_DIR})
target_sources(armvirt PRIVATE
  ${_av_arch_dir}/offsets.c
  ${_av_arch_dir}/switch.S
  ${_av_arch_dir}/vectors.S
  ${_av_arch_dir}/fpsimd.S
  ${_av_arch_dir}/fpsimd.c
  ${_av_arch_dir}/ctxt_sr.c
  ${_av_arch_dir}/debug_sr.c
  ${_av_arch_dir}/vcpu_run.c
  ${_av_arch_dir}/tlb.c
  ${_av_arch_dir}/gic_v3_lr.c
  ${_av_arch_dir}/gic_v2_lr.c
  ${_av_arch_dir}/pmu_sr.c
  ${_av_arch_dir}/vm_glue.c
)
