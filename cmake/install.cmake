# Install rules: headers, the static library, an exported target set and a version file, so consumers write
#   find_package(hetsched REQUIRED)  target_link_libraries(app PRIVATE hetsched::hetsched)
include(GNUInstallDirs)
include(CMakePackageConfigHelpers)

install(DIRECTORY ${PROJECT_SOURCE_DIR}/include/hetsched DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
install(TARGETS hetsched hetsched_warnings EXPORT hetschedTargets
        ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR}
        LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR}
        RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
install(TARGETS hetsched_info RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
install(EXPORT hetschedTargets NAMESPACE hetsched:: DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/hetsched)

set(HETSCHED_WITH_CUDA ${HETSCHED_CUDA})
configure_package_config_file(${PROJECT_SOURCE_DIR}/cmake/hetschedConfig.cmake.in
  ${PROJECT_BINARY_DIR}/hetschedConfig.cmake INSTALL_DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/hetsched)
write_basic_package_version_file(${PROJECT_BINARY_DIR}/hetschedConfigVersion.cmake COMPATIBILITY SameMinorVersion)
install(FILES ${PROJECT_BINARY_DIR}/hetschedConfig.cmake ${PROJECT_BINARY_DIR}/hetschedConfigVersion.cmake
        DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/hetsched)
