# signx_add_module(<name> [DEPS <targets>...])
#
# Builds src/<name>/ as the static library `signx_<name>` from every .cc file in the folder and its
# subfolders except *_test.cc and testing/. The testing/ folder (fakes and helpers for tests, also
# usable by other modules' tests) becomes `signx_<name>_testing`. The *_test.cc files become the
# test program `signx_<name>_test`, linked with GoogleTest/GoogleMock and registered with CTest
# test-by-test.
function(signx_add_module name)
  cmake_parse_arguments(M "" "" "DEPS;TEST_DEPS" ${ARGN})
  file(GLOB_RECURSE _all CONFIGURE_DEPENDS ${CMAKE_CURRENT_SOURCE_DIR}/*.cc)
  set(_srcs ${_all})
  set(_tests ${_all})
  list(FILTER _srcs EXCLUDE REGEX "_test\\.cc$")
  list(FILTER _tests INCLUDE REGEX "_test\\.cc$")
  set(_testing ${_srcs})
  list(FILTER _srcs EXCLUDE REGEX "/testing/")
  list(FILTER _testing INCLUDE REGEX "/testing/")

  if(NOT _srcs)
    message(STATUS "signx: module ${name} has no sources yet; skipped")
    return()
  endif()
  add_library(signx_${name} STATIC ${_srcs})
  target_include_directories(signx_${name} PUBLIC ${PROJECT_SOURCE_DIR}/src)
  target_link_libraries(signx_${name} PUBLIC ${M_DEPS} PRIVATE signx_warnings)

  if(SIGNX_BUILD_TESTS AND _testing)
    add_library(signx_${name}_testing STATIC ${_testing})
    target_link_libraries(signx_${name}_testing PUBLIC signx_${name} PRIVATE signx_warnings)
    list(APPEND M_TEST_DEPS signx_${name}_testing)
  endif()

  if(SIGNX_BUILD_TESTS AND _tests)
    add_executable(signx_${name}_test ${_tests})
    target_link_libraries(signx_${name}_test PRIVATE signx_${name} ${M_TEST_DEPS}
                          GTest::gmock GTest::gtest_main signx_warnings)
    target_compile_definitions(signx_${name}_test PRIVATE
                               SIGNX_SOURCE_DIR="${PROJECT_SOURCE_DIR}")
    gtest_discover_tests(signx_${name}_test DISCOVERY_MODE PRE_TEST
                         PROPERTIES LABELS ${name} TIMEOUT 300)
  endif()
endfunction()
