# postfix.cmake - Postfix's sqlite: lookup table over the suppression list
# (docs/postfix.md): postmap -q against a list the test builds. Skips (77)
# when postmap with sqlite: is missing and cannot be installed.
add_test(NAME store/postfix-sqlite
         COMMAND sh ${CMAKE_SOURCE_DIR}/tests/store/postfix.sh
                 $<TARGET_FILE:bounce> ${CMAKE_SOURCE_DIR})
set_tests_properties(store/postfix-sqlite PROPERTIES LABELS "store;postfix"
                     SKIP_RETURN_CODE 77 TIMEOUT 600)
