# tests/logs.cmake - MTA logs through the bounce tool, label logs.
# The parsing itself is tested by tests/unit/test_logs.c (samples in
# tests/logs/ with expected records) and test_logs_tail.c (rotation and
# resume of the file follower); these run the commands end to end:
#   logs/follow-<scenario>  `bounce ingest --log --follow` with a real store:
#                           rotation (rename + new file, copytruncate), restart
#                           after SIGKILL, rotation while stopped, a Postfix
#                           expiry across restarts (and from the deferred
#                           recipients an older version saved), garbage, SIGKILL right
#                           after commits (nothing read twice or missed), the
#                           import of an older version's DB.logpos file,
#                           one-shot runs while the last line is being
#                           written (partial) (tests/logs/follow_test.py)
#   logs/parse-<mta>        `bounce parse --log --json` on each sample prints
#                           one JSON line per expected record
find_package(Python3 COMPONENTS Interpreter)
if(Python3_FOUND)
  foreach(scenario rotation restart downtime expiry expiry-v1 garbage sigkill legacy partial)
    add_test(NAME logs/follow-${scenario}
             COMMAND ${Python3_EXECUTABLE} ${CMAKE_SOURCE_DIR}/tests/logs/follow_test.py
                     $<TARGET_FILE:bounce> ${scenario})
    set_tests_properties(logs/follow-${scenario} PROPERTIES LABELS logs TIMEOUT 120)
  endforeach()
  foreach(mta postfix exim sendmail)
    add_test(NAME logs/parse-${mta}
             COMMAND ${Python3_EXECUTABLE} ${CMAKE_SOURCE_DIR}/tests/logs/parse_check.py
                     $<TARGET_FILE:bounce> ${CMAKE_SOURCE_DIR}/tests/logs/${mta})
    set_tests_properties(logs/parse-${mta} PROPERTIES LABELS logs TIMEOUT 60
                         ENVIRONMENT TZ=UTC)
  endforeach()
endif()
