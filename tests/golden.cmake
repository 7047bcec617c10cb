# tests/golden.cmake - golden files: every tests/golden/<family>/<name>.eml
# with a sibling <name>.json (expected JSON Lines) is one ctest
# golden/<family>/<name>, label golden. check_golden.py compares the record
# count and, per record, exactly the fields the expected object lists
# (fields left out are not compared).
find_package(Python3 COMPONENTS Interpreter)
if(Python3_FOUND)
  file(GLOB_RECURSE bn_golden_emls CONFIGURE_DEPENDS
       ${CMAKE_SOURCE_DIR}/tests/golden/*.eml)
  foreach(eml ${bn_golden_emls})
    string(REGEX REPLACE "\\.eml$" ".json" bn_golden_json ${eml})
    if(EXISTS ${bn_golden_json})
      file(RELATIVE_PATH bn_golden_rel ${CMAKE_SOURCE_DIR}/tests/golden ${eml})
      string(REGEX REPLACE "\\.eml$" "" bn_golden_rel ${bn_golden_rel})
      add_test(NAME golden/${bn_golden_rel}
               COMMAND ${Python3_EXECUTABLE} ${CMAKE_SOURCE_DIR}/tests/golden/check_golden.py
                       $<TARGET_FILE:bounce> ${eml} ${bn_golden_json})
      set_tests_properties(golden/${bn_golden_rel} PROPERTIES LABELS golden TIMEOUT 60)
    endif()
  endforeach()
endif()
