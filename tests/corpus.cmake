# tests/corpus.cmake - accuracy on the labelled corpus (BN_CORPUS_DIR), label
# corpus. Skipped (77) when the corpus is absent. The thresholds are the
# floor the parser has reached: raise them as it improves, never lower them
# to make a change pass. Set by cli on 2026-11-30 07:44 (reason 83.3%,
# status 98.9%, hardbounce 93.1%, count 99.3% of 430 files).
find_package(Python3 COMPONENTS Interpreter)
if(Python3_FOUND)
  set(BN_CORPUS_MIN_REASON 0.83)
  set(BN_CORPUS_MIN_STATUS 0.98)
  set(BN_CORPUS_MIN_HARDBOUNCE 0.93)
  set(BN_CORPUS_MIN_COUNT 0.99)
  add_test(NAME corpus/accuracy
           COMMAND ${Python3_EXECUTABLE} ${CMAKE_SOURCE_DIR}/tests/corpus_check.py
                   $<TARGET_FILE:bounce> ${BN_CORPUS_DIR}
                   --min-reason ${BN_CORPUS_MIN_REASON}
                   --min-status ${BN_CORPUS_MIN_STATUS}
                   --min-hardbounce ${BN_CORPUS_MIN_HARDBOUNCE}
                   --min-count ${BN_CORPUS_MIN_COUNT})
  set_tests_properties(corpus/accuracy PROPERTIES LABELS corpus TIMEOUT 900
                       SKIP_RETURN_CODE 77)
endif()
