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
    target_link_libraries(signx_${name}_testing PUBLIC signx_${name} GTest::gtest
                          PRIVATE signx_warnings)
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

# signx_embed_files(<name> FUNCTION <Fn> NAMESPACE <ns> FILES <files>...)
#
# Compiles <files> into signx_<name> (see cmake/EmbedFiles.cmake): defines
# `const std::vector<signx::web::EmbeddedFile>& <ns>::<Fn>()`, which the module declares in its own
# header. The binary then needs no files beside it.
function(signx_embed_files name)
  cmake_parse_arguments(E "" "FUNCTION;NAMESPACE" "FILES" ${ARGN})
  set(_out ${CMAKE_CURRENT_BINARY_DIR}/embedded_${E_FUNCTION}.cc)
  string(REPLACE ";" "," _list "${E_FILES}")
  add_custom_command(
    OUTPUT ${_out}
    COMMAND ${CMAKE_COMMAND} -DFILES=${_list} -DOUT=${_out} -DFUNCTION=${E_FUNCTION}
            -DNAMESPACE=${E_NAMESPACE} -P ${PROJECT_SOURCE_DIR}/cmake/EmbedFiles.cmake
    DEPENDS ${E_FILES} ${PROJECT_SOURCE_DIR}/cmake/EmbedFiles.cmake
    COMMENT "Embedding ${E_NAMESPACE}::${E_FUNCTION}")
  target_sources(signx_${name} PRIVATE ${_out})
endfunction()

# signx_module_templates(<name>)
#
# A capability's web templates: every src/<name>/templates/*.mustache, compiled into signx_<name>
# as `signx::<name>::EmbeddedTemplates()` (declare it in the module's pages header and add the
# files to the shell with web::Shell::AddTemplates in the module's AddPages).
function(signx_module_templates name)
  file(GLOB _templates CONFIGURE_DEPENDS ${CMAKE_CURRENT_SOURCE_DIR}/templates/*.mustache)
  list(SORT _templates)
  signx_embed_files(${name} FUNCTION EmbeddedTemplates NAMESPACE signx::${name} FILES ${_templates})
endfunction()
