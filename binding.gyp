# node-gyp build of the CPU addon (the default build is cmake-js: see CMakeLists.txt); it has no
# CUDA backend (cuda_stub.cc reports "not compiled").
# The source lists are read from native/sources.json, the one list both builds share. The core is
# compiled once, into a static library, and linked into the addon and into the test addon
# (efficientnet_test.node: the op table's entry points, test data kept out of the shipped addon).
{
  "target_defaults": {
    "include_dirs": [
      "<!(node -p \"require('node-addon-api').include_dir\")",
      "native/include",
      "native"
    ],
    "defines": [
      "NAPI_VERSION=8", "NAPI_CPP_EXCEPTIONS", "NODE_ADDON_API_DISABLE_DEPRECATED",
      # As in CMakeLists.txt: a worker being terminated must not end the process.
      "NODE_API_SWALLOW_UNTHROWABLE_EXCEPTIONS"
    ],
    "cflags!": ["-fno-exceptions"],
    "cflags_cc!": ["-fno-exceptions", "-fno-rtti", "-std=gnu++17"],
    "cflags_cc": ["-std=c++17", "-O3", "-fno-math-errno", "-fexceptions", "-Wall", "-Wextra"],
    "ldflags": ["-pthread"]
  },
  "targets": [
    {
      "target_name": "effnet_core",
      "type": "static_library",
      "sources": [
        "<!@(node -p \"const s = require('./native/sources.json'); [...s.core, ...s.cuda_stub].join(' ')\")"
      ]
    },
    {
      "target_name": "efficientnet",
      "dependencies": ["effnet_core"],
      "sources": [
        "<!@(node -p \"require('./native/sources.json').binding.join(' ')\")"
      ],
      "defines": [
        "EFFNET_SOURCE_FINGERPRINT=\"<!(node native/fingerprint.js)\""
      ]
    },
    {
      "target_name": "efficientnet_test",
      "dependencies": ["effnet_core"],
      "sources": [
        "<!@(node -p \"const s = require('./native/sources.json'); [...s.test_addon, ...s.op_cases].join(' ')\")"
      ]
    }
  ]
}
