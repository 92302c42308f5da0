av_unit_test(insn)
