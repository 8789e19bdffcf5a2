# Runs at install time (cmake --install, and the Debian build, which
# installs into a staging DESTDIR with prefix /usr), included by the
# install(CODE) rule of packaging/CMakeLists.txt with NAT64D_SERVICE_USER,
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
# With NAT64D_SERVICE_USER the daemon starts as that user, holding
# CAP_NET_ADMIN (TUN device, netlink) as an ambient capability and nothing
# else: -u, -g and -r have no use then, so CAP_SETUID, CAP_SETGID and
# CAP_SYS_CHROOT leave the bounding set too. Each edit must find its line:
# a unit that no longer has it fails the installation instead of running
# as root unnoticed.
function(nat64d_unit_edit var from to)
  string(FIND "${${var}}" "${from}" at)
  if(at EQUAL -1)
    message(FATAL_ERROR "install-files.cmake: '${from}' not found in a unit of ${NAT64D_PKG_SRC}/systemd")
  endif()
  string(REPLACE "${from}" "${to}" edited "${${var}}")
  set(${var} "${edited}" PARENT_SCOPE)
endfunction()
foreach(unit nat64d.service nat64d@.service)
  file(READ "${NAT64D_PKG_SRC}/systemd/${unit}" text)
  string(REPLACE "/usr/sbin/nat64d" "${nat64d_bin}" text "${text}")
  if(NOT NAT64D_SERVICE_USER STREQUAL "")
    nat64d_unit_edit(text "\n[Service]\n"
      "\n[Service]\n# Installed with NAT64D_SERVICE_USER=${NAT64D_SERVICE_USER}: unprivileged from the\n# start, CAP_NET_ADMIN only; no -u/-g/-r.\nUser=${NAT64D_SERVICE_USER}\nGroup=${NAT64D_SERVICE_USER}\n")
    nat64d_unit_edit(text "\nCapabilityBoundingSet=CAP_NET_ADMIN CAP_SETUID CAP_SETGID CAP_SYS_CHROOT\n"
      "\nCapabilityBoundingSet=CAP_NET_ADMIN\n")
    nat64d_unit_edit(text "\nAmbientCapabilities=\n" "\nAmbientCapabilities=CAP_NET_ADMIN\n")
  endif()
  file(WRITE "${NAT64D_PKG_BIN}/units/${unit}" "${text}")
  list(APPEND CMAKE_ABSOLUTE_DESTINATION_FILES "${nat64d_unitdir}/${unit}")
  file(INSTALL DESTINATION "${nat64d_unitdir}" TYPE FILE PERMISSIONS OWNER_READ OWNER_WRITE GROUP_READ WORLD_READ
       FILES "${NAT64D_PKG_BIN}/units/${unit}")
endforeach()
