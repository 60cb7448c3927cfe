# Third-party libraries, all from Debian 12 packages (scripts/install-deps.sh installs them).
find_package(Threads REQUIRED)
find_package(Boost 1.81.0 EXACT CONFIG REQUIRED COMPONENTS json url)
find_package(fmt REQUIRED)
find_package(spdlog REQUIRED)
find_package(CLI11 REQUIRED)
find_package(OpenSSL 3 REQUIRED)
find_package(SQLite3 REQUIRED)
find_package(PostgreSQL REQUIRED)
if(SIGNX_BUILD_TESTS)
  find_package(GTest REQUIRED)
endif()
if(SIGNX_BUILD_BENCH)
  find_package(benchmark REQUIRED)
endif()

find_package(PkgConfig REQUIRED)
pkg_check_modules(HIREDIS REQUIRED IMPORTED_TARGET hiredis)
pkg_check_modules(ARGON2 REQUIRED IMPORTED_TARGET libargon2)
# The server's allocator (docs/adr/0009-jemalloc.md): linked into the signx executable only.
pkg_check_modules(JEMALLOC REQUIRED IMPORTED_TARGET jemalloc)
# Debian's XGBoostConfig.cmake references a /usr/bin/xgboost CLI the package does not ship, so
# import the library directly.
find_library(XGBOOST_LIB xgboost REQUIRED)
find_path(XGBOOST_INCLUDE xgboost/c_api.h REQUIRED)
add_library(signx_xgboost UNKNOWN IMPORTED)
set_target_properties(signx_xgboost PROPERTIES IMPORTED_LOCATION ${XGBOOST_LIB}
                      INTERFACE_INCLUDE_DIRECTORIES ${XGBOOST_INCLUDE})
# libcsv (RFC 4180 parser, Debian libcsv-dev) ships no CMake or pkg-config file.
find_library(CSV_LIB csv REQUIRED)
find_path(CSV_INCLUDE csv.h REQUIRED)
add_library(signx_libcsv UNKNOWN IMPORTED)
set_target_properties(signx_libcsv PROPERTIES IMPORTED_LOCATION ${CSV_LIB}
                      INTERFACE_INCLUDE_DIRECTORIES ${CSV_INCLUDE})
# DuckDB C API (analytics lake; not packaged in Debian). scripts/install-duckdb.sh installs the pinned
# npm tarballs, checksum-verified, as third_party/duckdb/{include/duckdb.h,lib/libduckdb.so,VERSION}.
# Binaries built here find libduckdb.so through their build-tree RPATH; a deployed binary needs
# libduckdb.so on its loader path (e.g. installed next to it in lib/ with RPATH $ORIGIN/../lib).
set(SIGNX_DUCKDB_ROOT ${PROJECT_SOURCE_DIR}/third_party/duckdb CACHE PATH
    "Folder holding include/duckdb.h and lib/libduckdb.so (from scripts/install-duckdb.sh)")
if(NOT EXISTS ${SIGNX_DUCKDB_ROOT}/lib/libduckdb.so OR NOT EXISTS ${SIGNX_DUCKDB_ROOT}/include/duckdb.h)
  message(FATAL_ERROR "DuckDB not found in ${SIGNX_DUCKDB_ROOT}: run scripts/install-duckdb.sh "
                      "(needs npm and access to registry.npmjs.org; scripts/install-deps.sh runs it)")
endif()
add_library(signx_duckdb SHARED IMPORTED)
set_target_properties(signx_duckdb PROPERTIES
                      IMPORTED_LOCATION ${SIGNX_DUCKDB_ROOT}/lib/libduckdb.so
                      IMPORTED_SONAME libduckdb.so
                      INTERFACE_INCLUDE_DIRECTORIES ${SIGNX_DUCKDB_ROOT}/include
                      INTERFACE_LINK_OPTIONS "LINKER:-rpath,${SIGNX_DUCKDB_ROOT}/lib")
# Studio, documents and notifications (scripts/install-deps.sh): PDF text, full-text search, OCR,
# DOCX (zip + XML) and SMTP.
pkg_check_modules(POPPLER_CPP REQUIRED IMPORTED_TARGET poppler-cpp)  # PDF text; PDF tests
pkg_check_modules(XAPIAN REQUIRED IMPORTED_TARGET xapian-core)
pkg_check_modules(TESSERACT REQUIRED IMPORTED_TARGET tesseract lept)
pkg_check_modules(LIBZIP REQUIRED IMPORTED_TARGET libzip)
pkg_check_modules(PUGIXML REQUIRED IMPORTED_TARGET pugixml)
pkg_check_modules(CURL REQUIRED IMPORTED_TARGET libcurl)
