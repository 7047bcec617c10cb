# tests/golden_samples.cmake - the bundled samples (samples/*.eml, what
# `make run` shows and the README quotes) are golden tests too: one ctest
# golden-samples/<name> per sample, comparing `bounce parse --json` with
# tests/golden/samples/<name>.json through tests/golden/check_golden.py (the
# same runner as tests/golden.cmake: record count, then exactly the fields the
# expected objects list). The samples stay in samples/ only; a sample without
# an expected file is a failing test, so none goes unchecked.
find_package(Python3 COMPONENTS Interpreter)
if(Python3_FOUND)
  file(GLOB bn_sample_emls CONFIGURE_DEPENDS ${CMAKE_SOURCE_DIR}/samples/*.eml)
  foreach(eml ${bn_sample_emls})
    get_filename_component(bn_sample_name ${eml} NAME_WE)
    set(bn_sample_json ${CMAKE_SOURCE_DIR}/tests/golden/samples/${bn_sample_name}.json)
    if(EXISTS ${bn_sample_json})
      add_test(NAME golden-samples/${bn_sample_name}
               COMMAND ${Python3_EXECUTABLE} ${CMAKE_SOURCE_DIR}/tests/golden/check_golden.py
                       $<TARGET_FILE:bounce> ${eml} ${bn_sample_json})
    else()
      add_test(NAME golden-samples/${bn_sample_name}
               COMMAND ${CMAKE_COMMAND} -E echo
                       "samples/${bn_sample_name}.eml has no tests/golden/samples/${bn_sample_name}.json")
      set_tests_properties(golden-samples/${bn_sample_name} PROPERTIES WILL_FAIL TRUE)
    endif()
    set_tests_properties(golden-samples/${bn_sample_name} PROPERTIES
                         LABELS "golden;samples" TIMEOUT 60)
  endforeach()
endif()
