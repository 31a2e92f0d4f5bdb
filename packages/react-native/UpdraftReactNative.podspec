# The iOS pod of @updraft/react-native. React Native's autolinking (and Expo's) finds this file
# at the package root and adds the pod to the app's Podfile: `cd ios && pod install`.
require "json"

package = JSON.parse(File.read(File.join(__dir__, "package.json")))

Pod::Spec.new do |s|
  s.name         = "UpdraftReactNative"
  s.version      = package["version"]
  s.summary      = "Updraft over-the-air updates: boot glue and native module"
  s.homepage     = "https://www.npmjs.com/package/@updraft/react-native"
  s.license      = package["license"]
  s.authors      = "Updraft contributors"
  s.platforms    = { :ios => "15.1" }
  # Installed from node_modules by path (autolinking), never from a git tag.
  s.source       = { :path => "." }
  s.source_files = "ios/**/*.{h,m,mm,swift}"
  s.swift_version = "5.9"

  # React Native's helper adds React-Core, the codegen'd spec and the New Architecture flags
  # (RCT_NEW_ARCH_ENABLED) when the app builds with it; outside an app's Podfile, React-Core.
  if respond_to?(:install_modules_dependencies, true)
    install_modules_dependencies(s)
  else
    s.dependency "React-Core"
  end
end
