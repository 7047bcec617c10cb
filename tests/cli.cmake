# tests/cli.cmake - behaviour of the bounce tool: exit codes, help, usage
# errors, stdin, explain answers, JSON validity. One ctest per row of
# tests/cli/cases.tsv (see tests/cli/run_case.py for the columns), label cli.
find_package(Python3 COMPONENTS Interpreter)
if(Python3_FOUND)
  set(BN_CLI_CASES ${CMAKE_SOURCE_DIR}/tests/cli/cases.tsv)
  set_property(DIRECTORY APPEND PROPERTY CMAKE_CONFIGURE_DEPENDS ${BN_CLI_CASES})
  file(STRINGS ${BN_CLI_CASES} bn_cli_rows REGEX "^[a-z0-9_]+\t")
  foreach(row ${bn_cli_rows})
    string(REGEX MATCH "^[a-z0-9_]+" bn_cli_name "${row}")
    add_test(NAME cli/${bn_cli_name}
             COMMAND ${Python3_EXECUTABLE} ${CMAKE_SOURCE_DIR}/tests/cli/run_case.py
                     $<TARGET_FILE:bounce> ${BN_CLI_CASES} ${bn_cli_name})
    set_tests_properties(cli/${bn_cli_name} PROPERTIES LABELS cli TIMEOUT 60)
  endforeach()
endif()
