# tests/hostile.cmake - generated hostile inputs (tests/hostile/hostile.py):
# a 100 MB message, 10 MB header lines, MIME nested 10,000 deep, DSNs and
# text bounces naming 100,000 recipients, NUL bytes, invalid UTF-8 in every
# field, 1 MB charset names, endless From_ lines, and a 15 MB real-looking
# DSN with attachments. One ctest hostile/<case> each, label hostile: bounded
# time and peak RSS, valid UTF-8 JSON on every line, no crash, no sanitizer
# report. Inputs are generated into a temporary directory, never stored.
# Builds with sanitizers or without optimisation get the generous bounds
# (--asan); the release bounds are checked with
#   python3 tests/hostile/hostile.py build/bounce --all
# (see docs/limits.md).
find_package(Python3 COMPONENTS Interpreter)
if(Python3_FOUND)
  set(bn_hostile_flags)
  if(BN_SANITIZE OR NOT CMAKE_BUILD_TYPE MATCHES "^(Release|RelWithDebInfo|MinSizeRel)$")
    set(bn_hostile_flags --asan)
  endif()
  execute_process(COMMAND ${Python3_EXECUTABLE}
                          ${CMAKE_SOURCE_DIR}/tests/hostile/hostile.py --list
                  OUTPUT_VARIABLE bn_hostile_cases OUTPUT_STRIP_TRAILING_WHITESPACE)
  set_property(DIRECTORY APPEND PROPERTY CMAKE_CONFIGURE_DEPENDS
               ${CMAKE_SOURCE_DIR}/tests/hostile/hostile.py)
  string(REPLACE "\n" ";" bn_hostile_cases "${bn_hostile_cases}")
  foreach(c ${bn_hostile_cases})
    add_test(NAME hostile/${c}
             COMMAND ${Python3_EXECUTABLE} ${CMAKE_SOURCE_DIR}/tests/hostile/hostile.py
                     $<TARGET_FILE:bounce> ${c} ${bn_hostile_flags})
    set_tests_properties(hostile/${c} PROPERTIES LABELS hostile TIMEOUT 300)
  endforeach()
endif()
