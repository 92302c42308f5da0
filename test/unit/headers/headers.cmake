# SPDX-License-Identifier: MIT
# Public headers as a consumer sees them (label unit, unit.headers):
# - <armvirt/armvirt.h> and every public header on its own, compiled as C++17 with
#   -Wall -Wextra -Werror -pedantic, linked with libarmvirt into one program that calls the
#   library through the C++ declarations (extern "C" guards, no C-only constructs);
# - every public header on its own compiled as C11 with the same warnings (self-contained).
# The arch layer (EL2 only) and the KVM port's headers are C only and built elsewhere.
enable_language(CXX)
file(GLOB _av_hdrs RELATIVE ${PROJECT_SOURCE_DIR}/include
     ${PROJECT_SOURCE_DIR}/include/armvirt/*.h ${PROJECT_SOURCE_DIR}/include/armvirt/dev/*.h)
list(APPEND _av_hdrs armvirt/version.h)
list(SORT _av_hdrs)
set(_av_hdr_dir ${CMAKE_CURRENT_BINARY_DIR}/headers)
set(_av_hdr_srcs)
foreach(h IN LISTS _av_hdrs)
  string(MAKE_C_IDENTIFIER ${h} id)
  foreach(ext cpp c)
    set(f ${_av_hdr_dir}/${id}.${ext})
    file(CONFIGURE OUTPUT ${f} CONTENT "/* generated: ${h} on its own */\n#include <${h}>\n")
    list(APPEND _av_hdr_srcs ${f})
  endforeach()
endforeach()
add_executable(test_headers ${CMAKE_CURRENT_LIST_DIR}/main.cpp ${_av_hdr_srcs})
target_link_libraries(test_headers PRIVATE armvirt)
set(_av_hdr_warn -Wall -Wextra -Werror -pedantic)
target_compile_options(test_headers PRIVATE
  $<$<COMPILE_LANGUAGE:CXX>:-std=c++17 ${_av_hdr_warn}>
  $<$<COMPILE_LANGUAGE:C>:-std=c11 ${_av_hdr_warn}>)
set_target_properties(test_headers PROPERTIES CXX_EXTENSIONS OFF LINKER_LANGUAGE CXX)
add_test(NAME unit.headers COMMAND test_headers)
set_tests_properties(unit.headers PROPERTIES LABELS unit PASS_REGULAR_EXPRESSION "PASS: headers")
