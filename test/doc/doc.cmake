# SPDX-License-Identifier: MIT
# Documentation tests (label doc), included from test/CMakeLists.txt:
#   doc.doxygen        builds the `doc` target: Doxygen over the public headers, any warning
#                      fails (only when doxygen is installed; scripts/deps.sh installs it)
#   doc.man.lint       groff -ww (and mandoc -Tlint if installed) on the man pages, silent
#   doc.man.options.*  each program's usage text and the options its man page documents agree
#   doc.files          LICENSE and CHANGELOG.md present
set(_av_man ${PROJECT_SOURCE_DIR}/doc/man)
if(TARGET doc)
  add_test(NAME doc.doxygen COMMAND ${CMAKE_COMMAND} --build ${PROJECT_BINARY_DIR} --target doc)
  set_tests_properties(doc.doxygen PROPERTIES LABELS doc TIMEOUT 300)
endif()
add_test(NAME doc.man.lint
         COMMAND sh ${CMAKE_CURRENT_SOURCE_DIR}/doc/man_lint.sh ${_av_man}/armvirt-dtcheck.1
                 ${_av_man}/armvirt-vmm.1 ${_av_man}/armvirt-imgcheck.1)
add_test(NAME doc.man.options.dtcheck
         COMMAND sh ${CMAKE_CURRENT_SOURCE_DIR}/doc/man_options.sh ${_av_man}/armvirt-dtcheck.1
                 $<TARGET_FILE:armvirt-dtcheck>)
add_test(NAME doc.man.options.imgcheck
         COMMAND sh ${CMAKE_CURRENT_SOURCE_DIR}/doc/man_options.sh ${_av_man}/armvirt-imgcheck.1
                 $<TARGET_FILE:armvirt-imgcheck>)
# armvirt-vmm is an aarch64 program: its usage text and option table come from the source.
add_test(NAME doc.man.options.vmm
         COMMAND sh ${CMAKE_CURRENT_SOURCE_DIR}/doc/man_options.sh ${_av_man}/armvirt-vmm.1
                 ${PROJECT_SOURCE_DIR}/examples/kvm-vmm/cli.c)
add_test(NAME doc.files
         COMMAND sh -c "test -s '${PROJECT_SOURCE_DIR}/LICENSE' && grep -q '^MIT License' '${PROJECT_SOURCE_DIR}/LICENSE' && grep -q '^## \\[Unreleased\\]' '${PROJECT_SOURCE_DIR}/CHANGELOG.md' && echo 'PASS: doc files'")
set_tests_properties(doc.man.lint doc.man.options.dtcheck doc.man.options.vmm doc.files
                     doc.man.options.imgcheck
                     PROPERTIES LABELS doc FAIL_REGULAR_EXPRESSION "FAIL")
