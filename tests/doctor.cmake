# tests/doctor.cmake - bounce doctor against real DNS servers on loopback
# ports: NSD with the zones of tests/doctor/zones/ and a responder that
# fails on purpose (tests/doctor/flaky_dns.py), both started by
# scripts/services.d/dns.sh from scripts/test.sh. Skipped (77) when run
# without the services (BN_SERVICES_DIR unset). Label doctor.
find_package(Python3 COMPONENTS Interpreter)
if(Python3_FOUND)
  add_test(NAME doctor/dns
           COMMAND ${Python3_EXECUTABLE} ${CMAKE_SOURCE_DIR}/tests/doctor/run_cases.py
                   $<TARGET_FILE:bounce> ${CMAKE_SOURCE_DIR}/tests/doctor/cases.txt)
  set_tests_properties(doctor/dns PROPERTIES LABELS doctor TIMEOUT 300
                       SKIP_RETURN_CODE 77)
endif()
