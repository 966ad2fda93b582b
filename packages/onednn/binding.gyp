{
  "targets": [
    {
      "target_name": "onednn",
      "sources": ["src/addon.cc"],
      "include_dirs": ["<!(node -p \"process.env.ADDON_INCLUDE\")", "<!(node -p \"process.env.ONEDNN_INCLUDE\")"],
      "libraries": ["-L<!(node -p \"process.env.ONEDNN_LIB\")", "-Wl,-rpath,<!(node -p \"process.env.ONEDNN_LIB\")", "-ldnnl"],
      "defines": ["NAPI_VERSION=8", "NAPI_DISABLE_CPP_EXCEPTIONS"],
      "cflags_cc!": ["-fno-exceptions", "-std=gnu++17", "-std=gnu++20"],
      "cflags_cc": ["-std=c++17", "-O3", "-ffp-contract=off", "-fexceptions", "-fopenmp", "<!@(node -p \"process.env.ONEDNN_ARCH_FLAGS || ''\")"],
      "ldflags": ["-fopenmp"],
      "xcode_settings": {
        "GCC_ENABLE_CPP_EXCEPTIONS": "YES",
        "OTHER_CPLUSPLUSFLAGS": ["-std=c++17", "-O3", "-ffp-contract=off", "-Xpreprocessor", "-fopenmp"]
      }
    }
  ]
}
