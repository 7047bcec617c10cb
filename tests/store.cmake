# store.cmake - end-to-end and reliability tests of the suppression list
# (tests/store/run.sh): the commands on our messages, the MTA pipe, bad input
# (exit 2, nothing changed), 16 concurrent ingests, SIGKILL mid-ingest, a
# read-only or missing directory, a locked and a full database, a -wal file
# another user made, what the list cannot use (named, kept for a person).
foreach(t e2e pipe bad-input concurrency sigkill readonly locked full
        report-empty csv-records address-keys end-of-options policy-classes
        check-options filter-column rejected-csv text-output unread
        shared-wal)
  add_test(NAME store/${t}
           COMMAND sh ${CMAKE_SOURCE_DIR}/tests/store/run.sh ${t}
                   $<TARGET_FILE:bounce> ${CMAKE_SOURCE_DIR} ${BN_CORPUS_DIR})
  set_tests_properties(store/${t} PROPERTIES LABELS store SKIP_RETURN_CODE 77
                       TIMEOUT 600)
endforeach()
