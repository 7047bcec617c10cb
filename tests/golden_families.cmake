# tests/golden_families.cmake - one golden test per bounce-format family, so
# a regression points at the family (issue 4). For each family, one
# representative corpus file (BN_CORPUS_DIR) is parsed and compared by
# tests/golden/check_golden.py with tests/golden/families/<family>.json: the
# expected recipient, status, replycode, reason, hardbounce, and, where the
# family's decoder is settled, format and command. Values come from
# labels.tsv and from reading the message, never from the program's output
# (see tests/golden/families/README.md). Skipped (77) without the corpus.
set(bn_family_files
  "arf=arf/arf-01.eml"
  "lhost-activehunter=lhost-activehunter/lhost-activehunter-01.eml"
  "lhost-amavis=lhost-amavis/lhost-amavis-01.eml"
  "lhost-amazonworkmail=lhost-amazonworkmail/lhost-amazonworkmail-01.eml"
  "lhost-apachejames=lhost-apachejames/lhost-apachejames-01.eml"
  "lhost-barracuda=lhost-barracuda/lhost-barracuda-01.eml"
  "lhost-bigfoot=lhost-bigfoot/lhost-bigfoot-02.eml"
  "lhost-biglobe=lhost-biglobe/lhost-biglobe-01.eml"
  "lhost-einsundeins=lhost-einsundeins/lhost-einsundeins-03.eml"
  "lhost-exchange2007=lhost-exchange2007/lhost-exchange2007-01.eml"
  "lhost-exim=lhost-exim/lhost-exim-01.eml"
  "lhost-fml=lhost-fml/lhost-fml-02.eml"
  "lhost-gmail=lhost-gmail/lhost-gmail-01.eml"
  "lhost-gmx=lhost-gmx/lhost-gmx-01.eml"
  "lhost-mailfoundry=lhost-mailfoundry/lhost-mailfoundry-02.eml"
  "lhost-mailmarshal=lhost-mailmarshal/lhost-mailmarshal-02.eml"
  "lhost-mcafee=lhost-mcafee/lhost-mcafee-02.eml"
  "lhost-mfilter=lhost-mfilter/lhost-mfilter-02.eml"
  "lhost-mimecast=lhost-mimecast/lhost-mimecast-01.eml"
  "lhost-mxlogic=lhost-mxlogic/lhost-mxlogic-01.eml"
  "lhost-office365=lhost-office365/lhost-office365-01.eml"
  "lhost-outlook=lhost-outlook/lhost-outlook-01.eml"
  "lhost-postfix=lhost-postfix/lhost-postfix-01.eml"
  "lhost-powermta=lhost-powermta/lhost-powermta-02.eml"
  "lhost-receivingses=lhost-receivingses/lhost-receivingses-01.eml"
  "lhost-sendgrid=lhost-sendgrid/lhost-sendgrid-01.eml"
  "lhost-sendmail=lhost-sendmail/lhost-sendmail-01.eml"
  "lhost-surfcontrol=lhost-surfcontrol/lhost-surfcontrol-01.eml"
  "lhost-trendmicro=lhost-trendmicro/lhost-trendmicro-01.eml"
  "lhost-verizon=lhost-verizon/lhost-verizon-01.eml"
  "lhost-x1=lhost-x1/lhost-x1-01.eml"
  "lhost-x4=lhost-x4/lhost-x4-01.eml"
  "lhost-x5=lhost-x5/lhost-x5-01.eml"
  "lhost-x6=lhost-x6/lhost-x6-01.eml"
  "lhost-yahoo=lhost-yahoo/lhost-yahoo-01.eml"
  "lhost-yandex=lhost-yandex/lhost-yandex-01.eml"
  "lhost-zoho=lhost-zoho/lhost-zoho-01.eml"
  "rfc3464=rfc3464/rfc3464-03.eml"
  "rfc3834=rfc3834/rfc3834-01.eml"
  "rhost-aol=rhost-aol/rhost-aol-01.eml"
  "rhost-cox=rhost-cox/rhost-cox-01.eml"
  "rhost-facebook=rhost-facebook/rhost-facebook-03.eml"
  "rhost-godaddy=rhost-godaddy/rhost-godaddy-02.eml"
  "rhost-google=rhost-google/rhost-google-01.eml"
  "rhost-gsuite=rhost-gsuite/rhost-gsuite-01.eml"
  "rhost-iua=rhost-iua/rhost-iua-01.eml"
  "rhost-kddi=rhost-kddi/rhost-kddi-01.eml"
  "rhost-messagelabs=rhost-messagelabs/rhost-messagelabs-01.eml"
  "rhost-microsoft=rhost-microsoft/rhost-microsoft-01.eml"
  "rhost-mimecast=rhost-mimecast/rhost-mimecast-01.eml"
  "rhost-nttdocomo=rhost-nttdocomo/rhost-nttdocomo-01.eml"
  "rhost-outlook=rhost-outlook/rhost-outlook-01.eml"
  "rhost-spectrum=rhost-spectrum/rhost-spectrum-01.eml"
)
find_package(Python3 COMPONENTS Interpreter)
if(Python3_FOUND)
  foreach(entry ${bn_family_files})
    string(REGEX REPLACE "=.*$" "" bn_fam ${entry})
    string(REGEX REPLACE "^[^=]*=" "" bn_fam_file ${entry})
    set(bn_fam_json ${CMAKE_SOURCE_DIR}/tests/golden/families/${bn_fam}.json)
    if(EXISTS ${BN_CORPUS_DIR}/${bn_fam_file})
      add_test(NAME golden-families/${bn_fam}
               COMMAND ${Python3_EXECUTABLE} ${CMAKE_SOURCE_DIR}/tests/golden/check_golden.py
                       $<TARGET_FILE:bounce> ${BN_CORPUS_DIR}/${bn_fam_file} ${bn_fam_json})
    else()
      add_test(NAME golden-families/${bn_fam}
               COMMAND ${Python3_EXECUTABLE} -c "import sys; sys.exit(77)")
    endif()
    set_tests_properties(golden-families/${bn_fam} PROPERTIES
                         LABELS "golden;families" TIMEOUT 60 SKIP_RETURN_CODE 77)
  endforeach()
endif()
