# Packaging: `cpack --config build/CPackConfig.cmake` (or `cmake --build build --target package`)
# makes a Debian package of the binary and its man pages, depending on the shared libraries it links
# and on busybox-static (the built-in rootfs is made from it at run time).
set(CPACK_PACKAGE_NAME srcompose)
set(CPACK_PACKAGE_VENDOR "srcompose developers")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "Declarative container labs on one Linux host")
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_GENERATOR DEB)
set(CPACK_DEBIAN_PACKAGE_MAINTAINER "srcompose developers <srcompose@localhost>")
set(CPACK_DEBIAN_PACKAGE_SECTION admin)
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
set(CPACK_DEBIAN_PACKAGE_DEPENDS "busybox-static")
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
include(CPack)
