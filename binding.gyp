# node-gyp build of the CPU addon (the default build is cmake-js: see CMakeLists.txt); it has no
# CUDA backend (cuda_stub.cc reports "not compiled").
# The source list is read from native/sources.json, the one list both builds share.
{
  "targets": [
    {
      "target_name": "efficientnet",
      "sources": [
        "<!@(node -p \"const s = require('./native/sources.json'); [...s.core, ...s.cuda_stub, ...s.binding].join(' ')\")"
      ],
      "include_dirs": [
        "<!(node -p \"require('node-addon-api').include_dir\")",
        "native/include",
        "native"
      ],
      "defines": [
        "NAPI_VERSION=8", "NAPI_CPP_EXCEPTIONS", "NODE_ADDON_API_DISABLE_DEPRECATED",
        # As in CMakeLists.txt: a worker being terminated must not end the process.
        "NODE_API_SWALLOW_UNTHROWABLE_EXCEPTIONS",
        "EFFNET_SOURCE_FINGERPRINT=\"<!(node native/fingerprint.js)\""
      ],
      "cflags!": ["-fno-exceptions"],
      "cflags_cc!": ["-fno-exceptions", "-fno-rtti", "-std=gnu++17"],
      "cflags_cc": ["-std=c++17", "-O3", "-fno-math-errno", "-fexceptions", "-Wall", "-Wextra"],
      "ldflags": ["-pthread"]
    }
  ]
}
