# Runs at install time (cmake --install, and the Debian build, which
# installs into a staging DESTDIR with prefix /usr), included by the
# install(CODE) rule of packaging/CMakeLists.txt with
# NAT64D_PKG_SRC, NAT64D_PKG_BIN, NAT64D_CONF_SRC and NAT64D_SBINDIR set. CMAKE_INSTALL_PREFIX here is the
# prefix of this installation, which is why this is not decided at
# configure time.

# /etc/nat64d.conf: the daemon's default -c, whatever the prefix. An
# operator's file is never replaced by the example: without DESTDIR (a
# live installation) an existing file is kept.
set(nat64d_conf "$ENV{DESTDIR}/etc/nat64d.conf")
if(EXISTS "${nat64d_conf}" AND "$ENV{DESTDIR}" STREQUAL "")
  message(STATUS "Keeping existing: /etc/nat64d.conf (example in share/doc/nat64d/examples)")
else()
  list(APPEND CMAKE_ABSOLUTE_DESTINATION_FILES "/etc/nat64d.conf")
  file(INSTALL DESTINATION "/etc" TYPE FILE PERMISSIONS OWNER_READ OWNER_WRITE GROUP_READ WORLD_READ
       FILES "${NAT64D_CONF_SRC}")
endif()

# systemd units: Debian's unit directory for prefix /usr, the
# administrator's one (also searched by systemd) otherwise; ExecStart and
# friends point at the nat64d of this prefix.
if(CMAKE_INSTALL_PREFIX STREQUAL "/usr")
  set(nat64d_unitdir "/lib/systemd/system")
else()
  set(nat64d_unitdir "${CMAKE_INSTALL_PREFIX}/lib/systemd/system")
endif()
set(nat64d_bin "${CMAKE_INSTALL_PREFIX}/${NAT64D_SBINDIR}/nat64d")
# The units run the daemon as the system user nat64d (User=, with ambient
# CAP_NET_ADMIN and CAP_SETPCAP for start-up only); sysusers.d makes that
# user where no package does, next to the units' prefix.
foreach(unit nat64d.service nat64d@.service)
  file(READ "${NAT64D_PKG_SRC}/systemd/${unit}" text)
  string(REPLACE "/usr/sbin/nat64d" "${nat64d_bin}" text "${text}")
  file(WRITE "${NAT64D_PKG_BIN}/units/${unit}" "${text}")
  list(APPEND CMAKE_ABSOLUTE_DESTINATION_FILES "${nat64d_unitdir}/${unit}")
  file(INSTALL DESTINATION "${nat64d_unitdir}" TYPE FILE PERMISSIONS OWNER_READ OWNER_WRITE GROUP_READ WORLD_READ
       FILES "${NAT64D_PKG_BIN}/units/${unit}")
endforeach()
if(CMAKE_INSTALL_PREFIX STREQUAL "/usr")
  set(nat64d_sysusersdir "/usr/lib/sysusers.d")
else()
  set(nat64d_sysusersdir "${CMAKE_INSTALL_PREFIX}/lib/sysusers.d")
endif()
list(APPEND CMAKE_ABSOLUTE_DESTINATION_FILES "${nat64d_sysusersdir}/nat64d.conf")
file(INSTALL DESTINATION "${nat64d_sysusersdir}" TYPE FILE RENAME nat64d.conf
     PERMISSIONS OWNER_READ OWNER_WRITE GROUP_READ WORLD_READ FILES "${NAT64D_PKG_SRC}/systemd/nat64d.sysusers")
