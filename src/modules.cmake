# Module boundaries and house rules, enforced by the build.
#
# The arrows between the modules are read from docs/architecture.md ("Dependency
# direction"), the one place they are written down. Each library nat64d_<m>
# compiles against an include "view" of its own in the build tree,
# module-views/<m>/, which holds a symbolic link per module it may include
# (itself and the targets of its arrows) to src/<module>: the usual spelling
# `#include "addr/map_table.hpp"` works where the arrow exists, and a
# wrong-way include (xlat including "daemon/...") does not compile, since no
# include path leads there. A dependency's own view reaches its users
# through target_link_libraries (PUBLIC), so the headers of a module find the
# headers they include; scripts/check-arrows.py (ctest style_arrows) also
# refuses the includes that only compile through such a transitive path.

set(NAT64D_ARCHITECTURE_DOC ${PROJECT_SOURCE_DIR}/docs/architecture.md)
set_property(DIRECTORY APPEND PROPERTY CMAKE_CONFIGURE_DEPENDS ${NAT64D_ARCHITECTURE_DOC})

# nat64d_read_arrows(MODULES...): sets NAT64D_ARROWS_<m> (the modules m may
# include, itself not counted) for every module named; fails on a module
# missing from the block or an arrow to a module that does not exist.
function(nat64d_read_arrows)
  file(STRINGS ${NAT64D_ARCHITECTURE_DOC} lines)
  set(state before)
  foreach(line IN LISTS lines)
    if(state STREQUAL "before")
      if(line MATCHES "^## Dependency direction")
        set(state heading)
      endif()
    elseif(state STREQUAL "heading")
      if(line MATCHES "^```")
        set(state block)
      endif()
    elseif(state STREQUAL "block")
      if(line MATCHES "^```")
        set(state done)
        break()
      endif()
      # "xlat    -> addr, common   (comment)": the comment starts at "(".
      if(line MATCHES "^([a-z]+) +-> *([^(]*)")
        set(from ${CMAKE_MATCH_1})
        string(REPLACE "," ";" targets "${CMAKE_MATCH_2}")
        set(arrows)
        foreach(t IN LISTS targets)
          string(STRIP "${t}" t)
          if(NOT t STREQUAL "" AND t IN_LIST ARGN)
            list(APPEND arrows ${t})
          endif()
        endforeach()
        set(seen_${from} TRUE)
        set(NAT64D_ARROWS_${from} ${arrows} PARENT_SCOPE)
      endif()
    endif()
  endforeach()
  if(NOT state STREQUAL "done")
    message(FATAL_ERROR "${NAT64D_ARCHITECTURE_DOC}: no \"Dependency direction\" block")
  endif()
  foreach(m IN LISTS ARGN)
    if(NOT seen_${m})
      message(FATAL_ERROR "${NAT64D_ARCHITECTURE_DOC}: module ${m} has no line in \"Dependency direction\"")
    endif()
  endforeach()
endfunction()

# nat64d_module_view(TARGET MODULE [ONLY dep...]): TARGET (a library of
# src/MODULE) compiles against MODULE's view; ONLY narrows the view to some
# of MODULE's arrows (a small library of the module that needs fewer).
function(nat64d_module_view target module)
  cmake_parse_arguments(PARSE_ARGV 2 V "" "" "ONLY")
  set(deps ${NAT64D_ARROWS_${module}})
  set(view ${PROJECT_BINARY_DIR}/module-views/${module})
  if(V_ONLY)
    foreach(d IN LISTS V_ONLY)
      if(NOT d IN_LIST deps)
        message(FATAL_ERROR "${target}: ${module} has no arrow to ${d} (docs/architecture.md)")
      endif()
    endforeach()
    set(deps ${V_ONLY})
    set(view ${PROJECT_BINARY_DIR}/module-views/${target})
  endif()
  # Made afresh at every configure: an arrow removed from the document
  # takes its link with it (REMOVE_RECURSE removes links, not their targets).
  file(REMOVE_RECURSE ${view})
  file(MAKE_DIRECTORY ${view})
  foreach(d IN LISTS module deps)
    file(CREATE_LINK ${PROJECT_SOURCE_DIR}/src/${d} ${view}/${d} SYMBOLIC)
  endforeach()
  target_include_directories(${target} PUBLIC ${view})
endfunction()

# The warnings every nat64d target compiles with (NAT64D_WERROR: as errors),
# set as target options by nat64d_apply_warnings() over every target of the
# tree once all are defined (top-level CMakeLists.txt): libraries,
# executables, tests, fuzz targets. Put in front of a target's own options,
# so that a test's -Wno-missing-field-initializers still wins. The BPF
# program is compiled by its own command (src/bpf/CMakeLists.txt).
set(NAT64D_WARNINGS -Wall -Wextra -Wpedantic -Wconversion -Wsign-conversion -Wshadow)
function(nat64d_apply_warnings dir)
  set(options ${NAT64D_WARNINGS})
  if(NAT64D_WERROR)
    list(APPEND options -Werror)
  endif()
  get_property(targets DIRECTORY ${dir} PROPERTY BUILDSYSTEM_TARGETS)
  foreach(t IN LISTS targets)
    get_target_property(type ${t} TYPE)
    if(type MATCHES "^(STATIC_LIBRARY|SHARED_LIBRARY|MODULE_LIBRARY|OBJECT_LIBRARY|EXECUTABLE)$")
      get_target_property(own ${t} COMPILE_OPTIONS)
      if(NOT own)
        set(own)
      endif()
      set_property(TARGET ${t} PROPERTY COMPILE_OPTIONS ${options} ${own})
    endif()
  endforeach()
  get_property(subdirs DIRECTORY ${dir} PROPERTY SUBDIRECTORIES)
  foreach(d IN LISTS subdirs)
    nat64d_apply_warnings(${d})
  endforeach()
endfunction()
