# Installs the library as a CMake package: find_package(teardown) -> teardown::teardown.
include(CMakePackageConfigHelpers)
install(TARGETS teardown EXPORT teardownTargets
  ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR}
  LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR}
  INCLUDES DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
install(DIRECTORY include/teardown DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
install(TARGETS teardown-demo teardown-run RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
install(EXPORT teardownTargets NAMESPACE teardown:: DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/teardown)
configure_package_config_file(cmake/teardownConfig.cmake.in
  ${CMAKE_CURRENT_BINARY_DIR}/teardownConfig.cmake
  INSTALL_DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/teardown)
write_basic_package_version_file(${CMAKE_CURRENT_BINARY_DIR}/teardownConfigVersion.cmake
  COMPATIBILITY SameMinorVersion)
install(FILES ${CMAKE_CURRENT_BINARY_DIR}/teardownConfig.cmake ${CMAKE_CURRENT_BINARY_DIR}/teardownConfigVersion.cmake
  DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/teardown)
