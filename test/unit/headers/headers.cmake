# SPDX-License-Identifier: MIT
# Public headers as a consumer sees them (label unit, unit.headers):
# - <armvirt/armvirt.h> and every public header on its own, compiled as C++17 with
#   -Wall -Wextra -Werror -pedantic, linked with libarmvirt into one program that calls the
#   library through the C++ declarations (extern "C" guards, no C-only constructs);
# - every public header on its own compiled as C11 with the same warnings (self-contained);
# - deprecated.c: the names deprecated before 1.0 still build, as the new ones.
# The installed headers of every configuration are checked here (the arch layer and the
# ports' headers are declarations only, so they compile on the host too).
enable_language(CXX)
file(GLOB _av_hdrs ${PROJECT_SOURCE_DIR}/include/armvirt/*.h
     ${PROJECT_SOURCE_DIR}/include/armvirt/dev/*.h ${PROJECT_SOURCE_DIR}/include/armvirt/arch/*.h
     ${PROJECT_SOURCE_DIR}/ports/linux-kvm/include/armvirt/port/*.h)
list(SORT _av_hdrs)
list(APPEND _av_hdrs ${PROJECT_SOURCE_DIR}/ports/qemu-virt/port.h # <armvirt/port/qemu-virt.h>
     ${PROJECT_BINARY_DIR}/include/armvirt/version.h)
set(_av_hdr_dir ${CMAKE_CURRENT_BINARY_DIR}/headers)
set(_av_hdr_srcs)
foreach(h IN LISTS _av_hdrs)
  file(RELATIVE_PATH rel ${PROJECT_SOURCE_DIR} ${h})
  string(MAKE_C_IDENTIFIER ${rel} id)
  foreach(ext cpp c)
    set(f ${_av_hdr_dir}/${id}.${ext})
    file(CONFIGURE OUTPUT ${f} CONTENT "/* generated: ${rel} on its own */\n#include \"${h}\"\n")
    list(APPEND _av_hdr_srcs ${f})
  endforeach()
endforeach()
add_executable(test_headers ${CMAKE_CURRENT_LIST_DIR}/main.cpp ${CMAKE_CURRENT_LIST_DIR}/deprecated.c
               ${_av_hdr_srcs})
target_link_libraries(test_headers PRIVATE armvirt)
target_include_directories(test_headers PRIVATE ${PROJECT_SOURCE_DIR}/ports/linux-kvm/include)
set(_av_hdr_warn -Wall -Wextra -Werror -pedantic)
target_compile_options(test_headers PRIVATE
  $<$<COMPILE_LANGUAGE:CXX>:-std=c++17 ${_av_hdr_warn}>
  $<$<COMPILE_LANGUAGE:C>:-std=c11 ${_av_hdr_warn}>)
set_target_properties(test_headers PROPERTIES CXX_EXTENSIONS OFF LINKER_LANGUAGE CXX)
add_test(NAME unit.headers COMMAND test_headers)
set_tests_properties(unit.headers PROPERTIES LABELS unit PASS_REGULAR_EXPRESSION "PASS: headers")
