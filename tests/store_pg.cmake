# store_pg.cmake - the store tests against the PostgreSQL backend
# (tests/store/pg.sh), on the cluster scripts/services.d/postgres.sh starts
# for `make test`. suite-*: tests/store/run.sh's tests unchanged (their
# --db files become schemas); the others are PostgreSQL's own: same
# results as SQLite, migrations under concurrent openers, racing
# suppression decisions, 8 concurrent ingests, the server stopped mid-run,
# read-only role, SQLite -> PostgreSQL migration, Postfix's pgsql: map.
# Skipped (77) only without BN_SERVICES_DIR (ctest by hand), as is the
# library-level unit/test_store_pg.
if(TEST unit/test_store_pg)
  set_tests_properties(unit/test_store_pg PROPERTIES SKIP_RETURN_CODE 77
                       LABELS "unit;pg")
  if(BN_WITH_POSTGRES) # its admin queries call libpq itself
    target_link_libraries(test_store_pg PRIVATE PkgConfig::PQ)
  endif()
endif()
if(TEST unit/test_store_pg_lib) # libpq loaded on demand; no server needed
  set_tests_properties(unit/test_store_pg_lib PROPERTIES SKIP_RETURN_CODE 77
                       LABELS "unit;pg")
endif()
if(BN_WITH_POSTGRES)
  foreach(t suite-e2e suite-pipe suite-bad-input suite-concurrency
            suite-sigkill suite-locked same-as-sqlite migrate-race race
            concurrent8 server-stop readonly move-from-sqlite postfix-pgsql)
    add_test(NAME store-pg/${t}
             COMMAND sh ${CMAKE_SOURCE_DIR}/tests/store/pg.sh ${t}
                     $<TARGET_FILE:bounce> ${CMAKE_SOURCE_DIR} ${BN_CORPUS_DIR})
    set_tests_properties(store-pg/${t} PROPERTIES LABELS "store;pg"
                         SKIP_RETURN_CODE 77 TIMEOUT 900)
  endforeach()
  # stops and restarts the shared test server: nothing else may run then
  set_tests_properties(store-pg/server-stop PROPERTIES RUN_SERIAL TRUE)
  # libpq is dlopen'ed on the first PostgreSQL store only: not linked, not
  # loaded by parse, exit 75 with the fix when missing (no server needed)
  add_test(NAME store-pg/lazy-libpq
           COMMAND sh ${CMAKE_SOURCE_DIR}/tests/store/pg_lazy.sh
                   $<TARGET_FILE:bounce> ${CMAKE_SOURCE_DIR}
                   $<TARGET_FILE:bounce_shared>)
  set_tests_properties(store-pg/lazy-libpq PROPERTIES LABELS "store;pg")
endif()
