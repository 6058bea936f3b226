#include "binding/image_ops.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <string>
#include <vector>

#include "binding/errors.h"
#include "effnet/error.h"
#include "image/resample.h"

namespace effnet::binding {
namespace {

// JS checks arguments first (lib/image); these re-checks are cheap and keep hostile callers of the
// raw binding from reaching the core with nonsense.
int int_field(const Napi::Object& o, const char* key, const std::string& where, int lo, int hi) {
  Napi::Value v = o.Get(key);
  const std::string what = where + "." + key;
  if (!v.IsNumber()) throw_type_error(o.Env(), "an integer", what, "a non-number");
  const double d = v.As<Napi::Number>().DoubleValue();
  if (!(d >= lo && d <= hi) || d != std::floor(d)) {
    throw_range_error(o.Env(), "an integer from " + std::to_string(lo) + " to " + std::to_string(hi), what,
                      v.ToString().Utf8Value());
  }
  return static_cast<int>(d);
}

image::ResampleFilter filter_from(const Napi::Value& v) {
  const std::string name = v.IsString() ? v.As<Napi::String>().Utf8Value() : "";
  if (name == "bicubic") return image::ResampleFilter::kBicubic;
  if (name == "bilinear") return image::ResampleFilter::kBilinear;
  if (name == "lanczos") return image::ResampleFilter::kLanczos;
  if (name == "hamming") return image::ResampleFilter::kHamming;
  if (name == "box") return image::ResampleFilter::kBox;
  throw_type_error(v.Env(), "one of 'box', 'bilinear', 'hamming', 'bicubic', 'lanczos'", "params.filter",
                   v.IsString() ? "'" + name + "'" : "a non-string");
}

class ResampleWorker : public Napi::AsyncWorker {
 public:
  ResampleWorker(Napi::Env env, Napi::Uint8Array src, const image::ResampleParams& params)
      : Napi::AsyncWorker(env, "efficientnet.resampleImage"),
        deferred_(Napi::Promise::Deferred::New(env)),
        keep_src_(Napi::Persistent(static_cast<Napi::Value>(src))),
        src_(src.Data()),
        src_size_(src.ByteLength()),
        params_(params) {}

  Napi::Promise promise() { return deferred_.Promise(); }

 protected:
  void Execute() override {
    try {
      out_ = image::resample_u8(src_, src_size_, params_);
      ok_ = true;
    } catch (...) {
      error_ = current_exception_info();
    }
  }

  void OnOK() override {
    Napi::Env env = Env();
    if (!ok_) {
      deferred_.Reject(make_error(env, error_).Value());
      return;
    }
    Napi::Uint8Array out = Napi::Uint8Array::New(env, out_.size());
    std::copy(out_.begin(), out_.end(), out.Data());
    std::vector<std::uint8_t>().swap(out_);
    deferred_.Resolve(out);
  }

 private:
  Napi::Promise::Deferred deferred_;
  Napi::Reference<Napi::Value> keep_src_;  // the source bytes stay alive until the worker is done
  const std::uint8_t* src_;
  std::size_t src_size_;
  image::ResampleParams params_;
  std::vector<std::uint8_t> out_;
  bool ok_ = false;
  ErrorInfo error_;
};

}  // namespace

Napi::Value resample_image(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (!info[0].IsTypedArray() || info[0].As<Napi::TypedArray>().TypedArrayType() != napi_uint8_array) {
    throw_type_error(env, "a Uint8Array or Buffer", "src", "another value");
  }
  if (!info[1].IsObject()) throw_type_error(env, "a params object", "params", "another value");
  Napi::Uint8Array src = info[0].As<Napi::Uint8Array>();
  Napi::Object o = info[1].As<Napi::Object>();
  image::ResampleParams p;
  p.src_width = int_field(o, "srcWidth", "params", 1, image::kMaxSourceSide);
  p.src_height = int_field(o, "srcHeight", "params", 1, image::kMaxSourceSide);
  p.channels = int_field(o, "channels", "params", 1, 4);
  p.dst_width = int_field(o, "dstWidth", "params", 1, image::kMaxDestSide);
  p.dst_height = int_field(o, "dstHeight", "params", 1, image::kMaxDestSide);
  p.filter = filter_from(o.Get("filter"));
  Napi::Value box = o.Get("box");
  if (!box.IsUndefined()) {
    if (!box.IsArray() || box.As<Napi::Array>().Length() != 4) {
      throw_type_error(env, "an array of 4 numbers", "params.box", "another value");
    }
    float b[4];
    for (uint32_t i = 0; i < 4; ++i) {
      Napi::Value v = box.As<Napi::Array>().Get(i);
      if (!v.IsNumber()) throw_type_error(env, "an array of 4 numbers", "params.box", "a non-number element");
      b[i] = static_cast<float>(v.As<Napi::Number>().DoubleValue());  // Pillow keeps the box as float32
    }
    p.has_box = true;
    p.box = {b[0], b[1], b[2], b[3]};
  }
  Napi::Value window = o.Get("window");
  if (!window.IsUndefined()) {
    if (!window.IsObject()) throw_type_error(env, "an object", "params.window", "another value");
    Napi::Object w = window.As<Napi::Object>();
    p.has_window = true;
    p.window = {int_field(w, "x", "params.window", 0, image::kMaxDestSide),
                int_field(w, "y", "params.window", 0, image::kMaxDestSide),
                int_field(w, "width", "params.window", 1, image::kMaxDestSide),
                int_field(w, "height", "params.window", 1, image::kMaxDestSide)};
  }
  // Inconsistent shapes (buffer size, box, window) throw here, synchronously, as a JS error with a
  // `code`; failures inside the worker (out of memory) reject the promise with one.
  return guard(env, [&]() -> Napi::Value {
    image::validate_resample(p);
    const std::uint64_t expected =
        std::uint64_t(p.src_width) * std::uint64_t(p.src_height) * std::uint64_t(p.channels);
    if (src.ByteLength() != expected) {
      throw Error(kErrInputShape, "image resampling: src holds " + std::to_string(src.ByteLength()) +
                                      " bytes but " + std::to_string(p.src_width) + "x" +
                                      std::to_string(p.src_height) + "x" + std::to_string(p.channels) +
                                      " needs " + std::to_string(expected));
    }
    auto* worker = new ResampleWorker(env, src, p);  // AsyncWorker deletes itself when done
    Napi::Promise promise = worker->promise();
    worker->Queue();
    return promise;
  });
}

}  // namespace effnet::binding
