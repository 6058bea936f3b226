// Development harness for native/image/resample.cc: runs one resize on a raw file so that
// tools/image/check_resample_vs_pillow.py can compare it with Pillow on many random cases.
//   resample_cli in.raw src_w src_h channels dst_w dst_h filter(0..4) out.raw [x0 y0 x1 y1 [wx wy ww wh]]
// Build: g++ -std=c++17 -O2 -ffp-contract=off -Inative -Inative/include
//          tools/image/resample_cli.cc native/image/resample.cc -o /tmp/resample_cli
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iterator>
#include <vector>

#include "effnet/error.h"
#include "image/resample.h"

int main(int argc, char** argv) {
  if (argc != 9 && argc != 13 && argc != 17) {
    std::fprintf(stderr, "usage: see the header of resample_cli.cc\n");
    return 2;
  }
  std::ifstream in(argv[1], std::ios::binary);
  std::vector<std::uint8_t> src((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  effnet::image::ResampleParams p;
  p.src_width = std::atoi(argv[2]);
  p.src_height = std::atoi(argv[3]);
  p.channels = std::atoi(argv[4]);
  p.dst_width = std::atoi(argv[5]);
  p.dst_height = std::atoi(argv[6]);
  p.filter = static_cast<effnet::image::ResampleFilter>(std::atoi(argv[7]));
  if (argc >= 13) {
    p.has_box = true;
    p.box = {std::strtof(argv[9], nullptr), std::strtof(argv[10], nullptr), std::strtof(argv[11], nullptr),
             std::strtof(argv[12], nullptr)};
  }
  if (argc == 17) {
    p.has_window = true;
    p.window = {std::atoi(argv[13]), std::atoi(argv[14]), std::atoi(argv[15]), std::atoi(argv[16])};
  }
  try {
    std::vector<std::uint8_t> out = effnet::image::resample_u8(src.data(), src.size(), p);
    std::ofstream(argv[8], std::ios::binary).write(reinterpret_cast<const char*>(out.data()), out.size());
  } catch (const effnet::Error& e) {
    std::fprintf(stderr, "%s: %s\n", e.code().c_str(), e.what());
    return 1;
  }
  return 0;
}
