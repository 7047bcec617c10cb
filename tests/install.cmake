# make install: the CLI, both libraries, the header and a working bounce.pc.
set(_bn_san "")
if(BN_SANITIZE)
  set(_bn_san "-fsanitize=address,undefined")
endif()
add_test(NAME install/pkg-config
  COMMAND sh ${CMAKE_SOURCE_DIR}/tests/install/check.sh ${CMAKE_BINARY_DIR}
          ${CMAKE_SOURCE_DIR} ${CMAKE_C_COMPILER} "${_bn_san}")
set_tests_properties(install/pkg-config PROPERTIES LABELS install)
