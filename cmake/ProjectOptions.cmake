# Warnings, sanitizers and helpers shared by every target of the project.

option(PROTIFER_WERROR "Treat compiler warnings as errors (CI builds)" OFF)
set(PROTIFER_SANITIZE "" CACHE STRING "Sanitizers to build with: '', 'address,undefined' or 'thread'")

add_library(protifer_warnings INTERFACE)
target_compile_options(protifer_warnings INTERFACE
  -Wall -Wextra -Wpedantic -Wshadow -Wconversion -Wsign-conversion -Wnon-virtual-dtor
  $<$<BOOL:${PROTIFER_WERROR}>:-Werror>)

# libFuzzer instrumentation of every target (clang only); the fuzz/ executables link the
# fuzzer's main on top.
option(PROTIFER_FUZZ "Build the libFuzzer targets in fuzz/ (clang)" OFF)
if(PROTIFER_FUZZ)
  add_compile_options(-fsanitize=fuzzer-no-link)
endif()

if(PROTIFER_SANITIZE)
  add_compile_options(-fsanitize=${PROTIFER_SANITIZE} -fno-omit-frame-pointer -fno-sanitize-recover=all)
  add_link_options(-fsanitize=${PROTIFER_SANITIZE})
endif()

# protifer_add_test(<name> SOURCES ... LIBS ... [LABELS ...])
# One GoogleTest executable; every TEST becomes its own ctest entry with the given labels.
function(protifer_add_test name)
  cmake_parse_arguments(T "" "" "SOURCES;LIBS;LABELS" ${ARGN})
  add_executable(${name} ${T_SOURCES})
  target_link_libraries(${name} PRIVATE ${T_LIBS} GTest::gtest_main GTest::gmock protifer_warnings)
  if(NOT T_LABELS)
    set(T_LABELS unit)
  endif()
  gtest_discover_tests(${name} PROPERTIES LABELS "${T_LABELS}" TIMEOUT 120
                       DISCOVERY_TIMEOUT 60)
endfunction()
