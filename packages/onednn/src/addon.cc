// oneDNN kernels for TF.js tensors: float32, activations NHWC, filters HWIO (TF.js's layouts, which
// oneDNN's AVX-512 kernels read directly, so activations are never reordered). Every function is
// synchronous and works in the caller's Float32Arrays: the JavaScript side allocates each output and
// the addon writes it. Primitives (with their JIT code) are built once per shape and kept; filters
// are reordered into the primitive's blocked layout once per filter tensor (the caller passes a key
// that changes whenever the filter does). One thread pool: oneDNN's OpenMP pool, which the plain
// loops below (BatchNorm, reductions, pooling gradient) share.
#include <napi.h>
#include <omp.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <dnnl.hpp>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

using namespace dnnl;
using tag = memory::format_tag;
using dt = memory::data_type;
using dims = memory::dims;

namespace {

engine& cpu() {
  static engine e(engine::kind::cpu, 0);
  return e;
}
stream& strm() {
  static stream s(cpu());
  return s;
}

// ---------------------------------------------------------------- argument helpers

struct Fail {
  std::string what;
};

float* f32(const Napi::Value& v, size_t count, const char* name) {
  if (v.IsNull() || v.IsUndefined()) return nullptr;
  if (!v.IsTypedArray() || v.As<Napi::TypedArray>().TypedArrayType() != napi_float32_array)
    throw Fail{std::string(name) + " must be a Float32Array"};
  auto a = v.As<Napi::Float32Array>();
  if (a.ElementLength() < count)
    throw Fail{std::string(name) + " has " + std::to_string(a.ElementLength()) + " elements, needs " +
               std::to_string(count)};
  return a.Data();
}

float* need(const Napi::Value& v, size_t count, const char* name) {
  float* p = f32(v, count, name);
  if (!p) throw Fail{std::string(name) + " is missing"};
  return p;
}

std::vector<int64_t> ints(const Napi::Value& v, size_t count, const char* name) {
  if (!v.IsArray()) throw Fail{std::string(name) + " must be an array of integers"};
  auto a = v.As<Napi::Array>();
  if (a.Length() != count) throw Fail{std::string(name) + " must have " + std::to_string(count) + " entries"};
  std::vector<int64_t> out(count);
  for (uint32_t i = 0; i < count; i++) out[i] = a.Get(i).As<Napi::Number>().Int64Value();
  return out;
}

/** Passes whose primitives use blocked activation layouts (see `blocked` below); part of every cache key. */
std::string blockedPasses = [] {
  const char* v = std::getenv("D2L_ONEDNN_BLOCKED");
  return std::string(v ? v : "");
}();
std::string keyOf(char kind, const std::vector<int64_t>& d, int flags) {
  std::string k(1, kind);
  k += blockedPasses;
  for (int64_t v : d) k += "," + std::to_string(v);
  return k + "/" + std::to_string(flags);
}

template <typename F>
Napi::Value guarded(const Napi::CallbackInfo& info, F body) {
  try {
    body();
  } catch (const Fail& f) {
    Napi::TypeError::New(info.Env(), "onednn: " + f.what).ThrowAsJavaScriptException();
  } catch (const dnnl::error& e) {
    Napi::Error::New(info.Env(), std::string("onednn: ") + e.what()).ThrowAsJavaScriptException();
  } catch (const std::exception& e) {
    Napi::Error::New(info.Env(), std::string("onednn: ") + e.what()).ThrowAsJavaScriptException();
  }
  return info.Env().Undefined();
}

// ---------------------------------------------------------------- convolution geometry

// [n, ih, iw, ic, oh, ow, oc, kh, kw, sh, sw, dh, dw, padTop, padLeft, padBottom, padRight]
constexpr size_t CONV_DIMS = 17;
struct Conv {
  int64_t n, ih, iw, ic, oh, ow, oc, kh, kw, sh, sw, dh, dw, pt, pl, pb, pr;
  std::vector<int64_t> raw;
  memory::desc src() const { return {{n, ic, ih, iw}, dt::f32, tag::nhwc}; }
  memory::desc dst() const { return {{n, oc, oh, ow}, dt::f32, tag::nhwc}; }
  memory::desc userWeights() const { return {{oc, ic, kh, kw}, dt::f32, tag::hwio}; }
  memory::desc anyWeights() const { return {{oc, ic, kh, kw}, dt::f32, tag::any}; }
  memory::desc bias() const { return {{oc}, dt::f32, tag::x}; }
  dims strides() const { return {sh, sw}; }
  dims dilates() const { return {dh - 1, dw - 1}; }
  dims padL() const { return {pt, pl}; }
  dims padR() const { return {pb, pr}; }
  size_t srcSize() const { return size_t(n * ih * iw * ic); }
  size_t dstSize() const { return size_t(n * oh * ow * oc); }
  size_t weightSize() const { return size_t(kh * kw * ic * oc); }
};

Conv convOf(const std::vector<int64_t>& d) {
  return {d[0], d[1], d[2], d[3], d[4], d[5], d[6], d[7], d[8], d[9], d[10], d[11], d[12], d[13], d[14], d[15], d[16], d};
}
Conv convOf(const Napi::Value& v) { return convOf(ints(v, CONV_DIMS, "conv dims")); }

/**
 * The filter taps that meet real input for some output. A 3×3 'same' convolution of a 1×1 plane
 * (ResNet-18's last stage at 28 px) has one: the other 8 only ever multiply padding, yet oneDNN
 * reorders, reads and (for the filter gradient) computes all 9, and that stage holds 8 of the
 * network's 11 M weights. Cutting the filter to its live window drops only exact zeros from every sum.
 */
struct Live {
  bool all = true;
  int64_t h0 = 0, w0 = 0;
  Conv sub;  // the same convolution with the live window as its filter and the matching padding
};
Live liveOf(const Conv& c) {
  Live L;
  if (c.dh != 1 || c.dw != 1) return L;
  auto taps = [](int64_t k, int64_t size, int64_t out, int64_t stride, int64_t pad) {
    int64_t first = std::max<int64_t>(0, pad - (out - 1) * stride), last = std::min(k - 1, size - 1 + pad);
    return last >= first ? std::pair<int64_t, int64_t>{first, last} : std::pair<int64_t, int64_t>{0, k - 1};
  };
  auto [h0, h1] = taps(c.kh, c.ih, c.oh, c.sh, c.pt);
  auto [w0, w1] = taps(c.kw, c.iw, c.ow, c.sw, c.pl);
  int64_t th = h1 - h0 + 1, tw = w1 - w0 + 1, top = c.pt - h0, left = c.pl - w0;
  int64_t bottom = (c.oh - 1) * c.sh + th - c.ih - top, right = (c.ow - 1) * c.sw + tw - c.iw - left;
  if ((th == c.kh && tw == c.kw) || bottom < 0 || right < 0 || top < 0 || left < 0) return L;
  auto d = c.raw;
  d[7] = th, d[8] = tw, d[13] = top, d[14] = left, d[15] = bottom, d[16] = right;
  L.all = false, L.h0 = h0, L.w0 = w0, L.sub = convOf(d);
  return L;
}

/** Copy the live window of an HWIO filter out (`in`) or back into a zeroed full filter (`!in`). */
void liveWindow(const Conv& c, const Live& L, float* full, float* window, bool in) {
  const size_t block = size_t(c.ic * c.oc);
  if (!in) std::memset(full, 0, sizeof(float) * c.weightSize());
  for (int64_t r = 0; r < L.sub.kh; r++)
    for (int64_t q = 0; q < L.sub.kw; q++) {
      float* f = full + size_t((L.h0 + r) * c.kw + (L.w0 + q)) * block;
      float* g = window + size_t(r * L.sub.kw + q) * block;
      if (in)
        std::memcpy(g, f, sizeof(float) * block);
      else
        std::memcpy(f, g, sizeof(float) * block);
    }
}

/** A per-shape scratch filter for live windows, refilled only when the caller's filter key changes. */
struct Window {
  std::vector<float> data;
  double key = -1;
};
std::unordered_map<std::string, Window> windows;
float* windowOf(const Conv& c, const Live& L, float* w, double wkey, char pass) {
  Window& win = windows[keyOf(pass, c.raw, 0)];
  win.data.resize(L.sub.weightSize());
  if (wkey <= 0 || wkey != win.key) {
    liveWindow(c, L, w, win.data.data(), true);
    win.key = wkey;
  }
  return win.data.data();
}

/**
 * Whether a pass lets oneDNN choose the activations' layout (blocked nChw16c) instead of running on
 * the caller's NHWC. NHWC needs no reorders, and oneDNN's NHWC kernels are as fast or faster on large
 * planes; on small planes with many channels (ResNet's last stages: 6×6×256, 3×3×512 at 96 px) the
 * blocked kernels ran up to 3× faster than NHWC even with the two reorders per call (measured layer by
 * layer, alternating). So: blocked when the output plane has at most 64 positions. D2L_ONEDNN_BLOCKED
 * overrides it: the passes to block ('f' forward, 'd' input gradient, 'w' filter gradient), or 'none'.
 */
bool blocked(char pass, const Conv& c) {
  if (blockedPasses.empty()) return c.oh * c.ow <= 64;
  return blockedPasses.find(pass) != std::string::npos;
}
memory::desc act(const memory::desc& nhwc, char pass, const Conv& c) {
  return blocked(pass, c) ? memory::desc(nhwc.dims(), dt::f32, tag::any) : nhwc;
}

convolution_forward::primitive_desc forwardPd(const Conv& c, bool bias, bool relu, char pass = 'f') {
  auto src = act(c.src(), pass, c), dst = act(c.dst(), pass, c);
  auto d = bias ? convolution_forward::desc(prop_kind::forward_training, algorithm::convolution_direct, src,
                                            c.anyWeights(), c.bias(), dst, c.strides(), c.dilates(), c.padL(),
                                            c.padR())
                : convolution_forward::desc(prop_kind::forward_training, algorithm::convolution_direct, src,
                                            c.anyWeights(), dst, c.strides(), c.dilates(), c.padL(), c.padR());
  primitive_attr attr;
  if (relu) {
    post_ops ops;
    ops.append_eltwise(1.f, algorithm::eltwise_relu, 0.f, 0.f);
    attr.set_post_ops(ops);
  }
  return convolution_forward::primitive_desc(d, attr, cpu());
}

/** A filter in the layout a primitive wants, refreshed only when the caller's filter key changes. */
struct PackedWeights {
  memory user, packed;
  reorder pack;
  bool reordered = false;
  double key = -1;
  void init(const memory::desc& userMd, const memory::desc& want) {
    user = memory(userMd, cpu(), DNNL_MEMORY_NONE);
    reordered = want != userMd;
    if (reordered) {
      packed = memory(want, cpu());
      pack = reorder(user, packed);
    }
  }
  memory& get(float* w, double wkey) {
    if (!reordered) {
      user.set_data_handle(w);
      return user;
    }
    if (wkey <= 0 || wkey != key) {
      user.set_data_handle(w);
      pack.execute(strm(), user, packed);
      key = wkey;
    }
    return packed;
  }
};

/**
 * An activation in the caller's NHWC array, staged through the primitive's own layout when it wants
 * another one (D2L_ONEDNN_BLOCKED, below): reordered in before the primitive, or out after it.
 */
struct Act {
  memory user, prim;
  reorder move;
  bool staged = false;
  void init(const memory::desc& userMd, const memory::desc& want, bool input) {
    user = memory(userMd, cpu(), DNNL_MEMORY_NONE);
    staged = want != userMd;
    if (staged) {
      prim = memory(want, cpu());
      move = input ? reorder(user, prim) : reorder(prim, user);
    }
  }
  memory& in(float* p) {
    user.set_data_handle(p);
    if (!staged) return user;
    move.execute(strm(), user, prim);
    return prim;
  }
  memory& out(float* p) {
    user.set_data_handle(p);
    return staged ? prim : user;
  }
  void done() {
    if (staged) move.execute(strm(), prim, user);
  }
};

struct Forward {
  convolution_forward prim;
  Act src, dst;
  memory bias;
  PackedWeights w;
  std::string impl;
};
struct BackwardData {
  convolution_backward_data prim;
  Act diffDst, diffSrc;
  PackedWeights w;
  std::string impl;
};
struct BackwardWeights {
  convolution_backward_weights prim;
  Act src, diffDst;
  memory diffWeights, userDiffWeights, diffBias;
  reorder unpack;
  bool reordered = false;
  std::string impl;
};

std::unordered_map<std::string, std::unique_ptr<Forward>> forwards;
std::unordered_map<std::string, std::unique_ptr<BackwardData>> backwardData;
std::unordered_map<std::string, std::unique_ptr<BackwardWeights>> backwardWeights;

Forward& forward(const Conv& c, bool bias, bool relu) {
  auto key = keyOf('f', c.raw, (bias ? 1 : 0) | (relu ? 2 : 0));
  auto it = forwards.find(key);
  if (it != forwards.end()) return *it->second;
  auto pd = forwardPd(c, bias, relu);
  auto e = std::make_unique<Forward>();
  e->prim = convolution_forward(pd);
  e->src.init(c.src(), pd.src_desc(), true);
  e->dst.init(c.dst(), pd.dst_desc(), false);
  if (bias) e->bias = memory(pd.bias_desc(), cpu(), DNNL_MEMORY_NONE);
  e->w.init(c.userWeights(), pd.weights_desc());
  e->impl = pd.impl_info_str();
  return *(forwards[key] = std::move(e));
}

BackwardData& backwardDataOf(const Conv& c) {
  auto key = keyOf('d', c.raw, 0);
  auto it = backwardData.find(key);
  if (it != backwardData.end()) return *it->second;
  auto hint = forwardPd(c, false, false, 'd');
  convolution_backward_data::desc d(algorithm::convolution_direct, act(c.src(), 'd', c), c.anyWeights(), act(c.dst(), 'd', c),
                                    c.strides(), c.dilates(), c.padL(), c.padR());
  convolution_backward_data::primitive_desc pd(d, cpu(), hint);
  auto e = std::make_unique<BackwardData>();
  e->prim = convolution_backward_data(pd);
  e->diffDst.init(c.dst(), pd.diff_dst_desc(), true);
  e->diffSrc.init(c.src(), pd.diff_src_desc(), false);
  e->w.init(c.userWeights(), pd.weights_desc());
  e->impl = pd.impl_info_str();
  return *(backwardData[key] = std::move(e));
}

BackwardWeights& backwardWeightsOf(const Conv& c, bool bias) {
  auto key = keyOf('w', c.raw, bias ? 1 : 0);
  auto it = backwardWeights.find(key);
  if (it != backwardWeights.end()) return *it->second;
  auto hint = forwardPd(c, bias, false, 'w');
  auto src = act(c.src(), 'w', c), dst = act(c.dst(), 'w', c);
  auto d = bias ? convolution_backward_weights::desc(algorithm::convolution_direct, src, c.anyWeights(), c.bias(),
                                                     dst, c.strides(), c.dilates(), c.padL(), c.padR())
                : convolution_backward_weights::desc(algorithm::convolution_direct, src, c.anyWeights(), dst,
                                                     c.strides(), c.dilates(), c.padL(), c.padR());
  convolution_backward_weights::primitive_desc pd(d, cpu(), hint);
  auto e = std::make_unique<BackwardWeights>();
  e->prim = convolution_backward_weights(pd);
  e->src.init(c.src(), pd.src_desc(), true);
  e->diffDst.init(c.dst(), pd.diff_dst_desc(), true);
  e->userDiffWeights = memory(c.userWeights(), cpu(), DNNL_MEMORY_NONE);
  e->reordered = pd.diff_weights_desc() != c.userWeights();
  if (e->reordered) {
    e->diffWeights = memory(pd.diff_weights_desc(), cpu());
    e->unpack = reorder(e->diffWeights, e->userDiffWeights);
  }
  if (bias) e->diffBias = memory(pd.diff_bias_desc(), cpu(), DNNL_MEMORY_NONE);
  e->impl = pd.impl_info_str();
  return *(backwardWeights[key] = std::move(e));
}

// conv2d(x, w, bias | null, y, dims, relu, filterKey)
Napi::Value Conv2d(const Napi::CallbackInfo& info) {
  return guarded(info, [&] {
    Conv c = convOf(info[4]);
    float* x = need(info[0], c.srcSize(), "x");
    float* w = need(info[1], c.weightSize(), "filter");
    float* b = f32(info[2], size_t(c.oc), "bias");
    float* y = need(info[3], c.dstSize(), "y");
    bool relu = info[5].ToBoolean();
    double wkey = info[6].IsNumber() ? info[6].As<Napi::Number>().DoubleValue() : 0;
    Live L = liveOf(c);
    if (!L.all) w = windowOf(c, L, w, wkey, 'F'), c = L.sub;
    Forward& e = forward(c, b != nullptr, relu);
    std::unordered_map<int, memory> args{{DNNL_ARG_SRC, e.src.in(x)}, {DNNL_ARG_WEIGHTS, e.w.get(w, wkey)},
                                         {DNNL_ARG_DST, e.dst.out(y)}};
    if (b) {
      e.bias.set_data_handle(b);
      args.insert({DNNL_ARG_BIAS, e.bias});
    }
    e.prim.execute(strm(), args);
    e.dst.done();
    strm().wait();
  });
}

/**
 * The input gradient of a layer with few input channels (a stem over 1–4 image channels), as one GEMM
 * cols = dy·Wᵀ ([n·oh·ow, oc] × [oc, kh·kw·ic]) and a col2im scatter. oneDNN's direct kernel for
 * ic = 1 cannot vectorise over input channels and ran 20–50× slower than the layer's own forward.
 */
void backwardDataFewChannels(const Conv& c, const float* dy, const float* w, float* dx) {
  const int64_t m = c.n * c.oh * c.ow, k = c.oc, taps = c.kh * c.kw * c.ic;
  static std::vector<float> cols;
  cols.resize(size_t(m * taps));
  dnnl_status_t st = dnnl_sgemm('N', 'T', m, taps, k, 1.f, dy, k, w, k, 0.f, cols.data(), taps);
  if (st != dnnl_success) throw Fail{"dnnl_sgemm failed"};
  std::memset(dx, 0, sizeof(float) * c.srcSize());
  const float* col = cols.data();
#pragma omp parallel for schedule(static)
  for (int64_t b = 0; b < c.n; b++) {  // images are independent: no two threads add into the same dx
    for (int64_t oy = 0; oy < c.oh; oy++) {
      for (int64_t ox = 0; ox < c.ow; ox++) {
        const float* row = col + ((b * c.oh + oy) * c.ow + ox) * taps;
        for (int64_t ky = 0; ky < c.kh; ky++) {
          int64_t iy = oy * c.sh - c.pt + ky * c.dh;
          if (iy < 0 || iy >= c.ih) continue;
          for (int64_t kx = 0; kx < c.kw; kx++) {
            int64_t ix = ox * c.sw - c.pl + kx * c.dw;
            if (ix < 0 || ix >= c.iw) continue;
            float* out = dx + ((b * c.ih + iy) * c.iw + ix) * c.ic;
            const float* g = row + (ky * c.kw + kx) * c.ic;
            for (int64_t ch = 0; ch < c.ic; ch++) out[ch] += g[ch];
          }
        }
      }
    }
  }
}

// conv2dBackwardData(dy, w, dx, dims, filterKey)
Napi::Value Conv2dBackwardData(const Napi::CallbackInfo& info) {
  return guarded(info, [&] {
    Conv c = convOf(info[3]);
    float* dy = need(info[0], c.dstSize(), "dy");
    float* w = need(info[1], c.weightSize(), "filter");
    float* dx = need(info[2], c.srcSize(), "dx");
    if (c.ic <= 4) return backwardDataFewChannels(c, dy, w, dx);
    double wkey = info[4].IsNumber() ? info[4].As<Napi::Number>().DoubleValue() : 0;
    Live L = liveOf(c);
    if (!L.all) w = windowOf(c, L, w, wkey, 'D'), c = L.sub;
    BackwardData& e = backwardDataOf(c);
    e.prim.execute(strm(), {{DNNL_ARG_DIFF_DST, e.diffDst.in(dy)},
                            {DNNL_ARG_WEIGHTS, e.w.get(w, wkey)},
                            {DNNL_ARG_DIFF_SRC, e.diffSrc.out(dx)}});
    e.diffSrc.done();
    strm().wait();
  });
}

// conv2dBackwardWeights(x, dy, dw, dims, dbias | null)
Napi::Value Conv2dBackwardWeights(const Napi::CallbackInfo& info) {
  return guarded(info, [&] {
    Conv c = convOf(info[3]);
    float* x = need(info[0], c.srcSize(), "x");
    float* dy = need(info[1], c.dstSize(), "dy");
    float* dw = need(info[2], c.weightSize(), "dw");
    float* db = f32(info[4], size_t(c.oc), "dbias");
    // With dead taps: the live window's gradient into scratch, then back into a zeroed full filter.
    Live L = liveOf(c);
    float* full = dw;
    if (!L.all) {
      Window& win = windows[keyOf('W', c.raw, 0)];
      win.data.resize(L.sub.weightSize());
      dw = win.data.data();
      c = L.sub;
    }
    BackwardWeights& e = backwardWeightsOf(c, db != nullptr);
    e.userDiffWeights.set_data_handle(dw);
    std::unordered_map<int, memory> args{{DNNL_ARG_SRC, e.src.in(x)},
                                         {DNNL_ARG_DIFF_DST, e.diffDst.in(dy)},
                                         {DNNL_ARG_DIFF_WEIGHTS, e.reordered ? e.diffWeights : e.userDiffWeights}};
    if (db) {
      e.diffBias.set_data_handle(db);
      args.insert({DNNL_ARG_DIFF_BIAS, e.diffBias});
    }
    e.prim.execute(strm(), args);
    if (e.reordered) e.unpack.execute(strm(), e.diffWeights, e.userDiffWeights);
    strm().wait();
    if (!L.all) liveWindow(convOf(info[3]), L, full, dw, false);
  });
}

// convImpl(kind 'f'|'d'|'w', dims): the implementation oneDNN chose, e.g. "brg:avx512_core".
Napi::Value ConvImpl(const Napi::CallbackInfo& info) {
  std::string out;
  guarded(info, [&] {
    Conv c = convOf(info[1]);
    std::string kind = info[0].As<Napi::String>().Utf8Value();
    out = kind == "d" ? backwardDataOf(c).impl : kind == "w" ? backwardWeightsOf(c, false).impl : forward(c, false, false).impl;
  });
  return Napi::String::New(info.Env(), out);
}

// ---------------------------------------------------------------- max pooling (forward on oneDNN)

// [n, ih, iw, c, oh, ow, kh, kw, sh, sw, padTop, padLeft, padBottom, padRight]
constexpr size_t POOL_DIMS = 14;
struct PoolEntry {
  pooling_forward prim;
  memory src, dst;
};
std::unordered_map<std::string, std::unique_ptr<PoolEntry>> pools;

// maxPool(x, y, dims)
Napi::Value MaxPool(const Napi::CallbackInfo& info) {
  return guarded(info, [&] {
    auto d = ints(info[2], POOL_DIMS, "pool dims");
    int64_t n = d[0], ih = d[1], iw = d[2], c = d[3], oh = d[4], ow = d[5];
    float* x = need(info[0], size_t(n * ih * iw * c), "x");
    float* y = need(info[1], size_t(n * oh * ow * c), "y");
    auto key = keyOf('p', d, 0);
    auto it = pools.find(key);
    if (it == pools.end()) {
      memory::desc src({n, c, ih, iw}, dt::f32, tag::nhwc), dst({n, c, oh, ow}, dt::f32, tag::nhwc);
      pooling_forward::desc pdesc(prop_kind::forward_inference, algorithm::pooling_max, src, dst, {d[8], d[9]},
                                  {d[6], d[7]}, {d[10], d[11]}, {d[12], d[13]});
      pooling_forward::primitive_desc pd(pdesc, cpu());
      auto e = std::make_unique<PoolEntry>();
      e->prim = pooling_forward(pd);
      e->src = memory(src, cpu(), DNNL_MEMORY_NONE);
      e->dst = memory(dst, cpu(), DNNL_MEMORY_NONE);
      it = pools.emplace(key, std::move(e)).first;
    }
    PoolEntry& e = *it->second;
    e.src.set_data_handle(x);
    e.dst.set_data_handle(y);
    e.prim.execute(strm(), {{DNNL_ARG_SRC, e.src}, {DNNL_ARG_DST, e.dst}});
    strm().wait();
  });
}

// maxPoolGrad(x, dy, dx, dims): each dy goes to its window's first strictly largest x, scanning rows
// then columns: TF.js's rule, and the one oneDNN's max pooling records in its workspace (its kernels
// replace the running maximum only on a strictly larger value, in the same order; the tests check
// ties). TF.js's MaxPoolGrad carries no workspace, so the forward runs again in training mode to make
// one (~1/3 of the backward's old cost), then oneDNN's backward scatters dy.
struct PoolGradEntry {
  pooling_forward fwd;
  pooling_backward bwd;
  memory src, dst, workspace, diffDst, diffSrc;
};
std::unordered_map<std::string, std::unique_ptr<PoolGradEntry>> poolGrads;

Napi::Value MaxPoolGrad(const Napi::CallbackInfo& info) {
  return guarded(info, [&] {
    auto d = ints(info[3], POOL_DIMS, "pool dims");
    int64_t n = d[0], ih = d[1], iw = d[2], c = d[3], oh = d[4], ow = d[5];
    float* x = need(info[0], size_t(n * ih * iw * c), "x");
    float* dy = need(info[1], size_t(n * oh * ow * c), "dy");
    float* dx = need(info[2], size_t(n * ih * iw * c), "dx");
    auto key = keyOf('g', d, 0);
    auto it = poolGrads.find(key);
    if (it == poolGrads.end()) {
      memory::desc src({n, c, ih, iw}, dt::f32, tag::nhwc), dst({n, c, oh, ow}, dt::f32, tag::nhwc);
      dims strides{d[8], d[9]}, kernel{d[6], d[7]}, padL{d[10], d[11]}, padR{d[12], d[13]};
      pooling_forward::primitive_desc fpd(
          {prop_kind::forward_training, algorithm::pooling_max, src, dst, strides, kernel, padL, padR}, cpu());
      pooling_backward::primitive_desc bpd({algorithm::pooling_max, src, dst, strides, kernel, padL, padR}, cpu(),
                                           fpd);
      auto e = std::make_unique<PoolGradEntry>();
      e->fwd = pooling_forward(fpd);
      e->bwd = pooling_backward(bpd);
      e->src = memory(fpd.src_desc(), cpu(), DNNL_MEMORY_NONE);
      e->dst = memory(fpd.dst_desc(), cpu());  // the recomputed output: scratch
      e->workspace = memory(fpd.workspace_desc(), cpu());
      e->diffDst = memory(bpd.diff_dst_desc(), cpu(), DNNL_MEMORY_NONE);
      e->diffSrc = memory(bpd.diff_src_desc(), cpu(), DNNL_MEMORY_NONE);
      it = poolGrads.emplace(key, std::move(e)).first;
    }
    PoolGradEntry& e = *it->second;
    e.src.set_data_handle(x);
    e.diffDst.set_data_handle(dy);
    e.diffSrc.set_data_handle(dx);
    e.fwd.execute(strm(), {{DNNL_ARG_SRC, e.src}, {DNNL_ARG_DST, e.dst}, {DNNL_ARG_WORKSPACE, e.workspace}});
    e.bwd.execute(strm(), {{DNNL_ARG_DIFF_DST, e.diffDst}, {DNNL_ARG_WORKSPACE, e.workspace}, {DNNL_ARG_DIFF_SRC, e.diffSrc}});
    strm().wait();
  });
}

// ---------------------------------------------------------------- BatchNorm and per-channel sums

/** out[q] = scale · Σ_p x[p·q + q], in double, parallel over p with one partial row per thread. */
void sumRows(const float* x, int64_t p, int64_t q, double* out) {
  int threads = omp_get_max_threads();
  std::vector<double> partial(size_t(threads) * size_t(q), 0.0);
#pragma omp parallel if (p * q >= 32768)
  {
    double* mine = partial.data() + size_t(omp_get_thread_num()) * size_t(q);
    std::vector<float> block(size_t(q), 0.f);  // float sums of up to 64 rows (vectorised), then into double
    int64_t inBlock = 0;
#pragma omp for schedule(static)
    for (int64_t i = 0; i < p; i++) {
      const float* row = x + i * q;
      for (int64_t k = 0; k < q; k++) block[size_t(k)] += row[k];
      if (++inBlock == 64) {
        for (int64_t k = 0; k < q; k++) mine[k] += block[size_t(k)], block[size_t(k)] = 0.f;
        inBlock = 0;
      }
    }
    for (int64_t k = 0; k < q; k++) mine[k] += block[size_t(k)];
  }
  for (int64_t k = 0; k < q; k++) {
    double s = 0;
    for (int t = 0; t < threads; t++) s += partial[size_t(t) * size_t(q) + size_t(k)];
    out[k] = s;
  }
}

// sumAxes(x, outer, p, q, out, scale): out[o,k] = scale · Σ_i x[o,i,k], x seen as [outer, p, q]: Sum
// and Mean over leading axes (outer = 1: BatchNorm statistics, bias gradients) or over a block of
// middle axes (global average pooling: [N, H·W, C]).
Napi::Value SumAxes(const Napi::CallbackInfo& info) {
  return guarded(info, [&] {
    int64_t outer = info[1].As<Napi::Number>().Int64Value(), p = info[2].As<Napi::Number>().Int64Value(),
            q = info[3].As<Napi::Number>().Int64Value();
    float* x = need(info[0], size_t(outer * p * q), "x");
    float* out = need(info[4], size_t(outer * q), "out");
    double scale = info[5].As<Napi::Number>().DoubleValue();
    if (outer == 1) {
      std::vector<double> s(q);
      sumRows(x, p, q, s.data());
      for (int64_t k = 0; k < q; k++) out[k] = float(s[k] * scale);
      return;
    }
#pragma omp parallel for schedule(static) if (outer * p * q >= 32768)
    for (int64_t o = 0; o < outer; o++) {
      std::vector<double> s(size_t(q), 0.0);
      for (int64_t i = 0; i < p; i++) {
        const float* row = x + (o * p + i) * q;
        for (int64_t k = 0; k < q; k++) s[size_t(k)] += row[k];
      }
      for (int64_t k = 0; k < q; k++) out[o * q + k] = float(s[size_t(k)] * scale);
    }
  });
}

/** Σ_p (x − μ)², per channel, for the variance (two-pass, as TF.js computes it: mean first). */
void squaredDeviationRows(const float* x, const float* mean, int64_t p, int64_t q, double* out) {
  int threads = omp_get_max_threads();
  std::vector<double> partial(size_t(threads) * size_t(q), 0.0);
#pragma omp parallel if (p * q >= 32768)
  {
    double* mine = partial.data() + size_t(omp_get_thread_num()) * size_t(q);
    std::vector<float> block(size_t(q), 0.f);
    int64_t inBlock = 0;
#pragma omp for schedule(static)
    for (int64_t i = 0; i < p; i++) {
      const float* row = x + i * q;
      for (int64_t k = 0; k < q; k++) {
        float d = row[k] - mean[k];
        block[size_t(k)] += d * d;
      }
      if (++inBlock == 64) {
        for (int64_t k = 0; k < q; k++) mine[k] += block[size_t(k)], block[size_t(k)] = 0.f;
        inBlock = 0;
      }
    }
    for (int64_t k = 0; k < q; k++) mine[k] += block[size_t(k)];
  }
  for (int64_t k = 0; k < q; k++) {
    double s = 0;
    for (int t = 0; t < threads; t++) s += partial[size_t(t) * size_t(q) + size_t(k)];
    out[k] = s;
  }
}

// meanSquaredDeviation(x, mean, p, q, out, scale): out[q] = scale · Σ_p (x − mean)², tf.moments's variance
// (scale = 1/p) straight from x and its mean. The same float rounding as Sub, Square, then Mean by
// sumAxes: (x − mean) rounded, squared and rounded, summed in float blocks of 64 rows, then in double.
Napi::Value MeanSquaredDeviation(const Napi::CallbackInfo& info) {
  return guarded(info, [&] {
    int64_t p = info[2].As<Napi::Number>().Int64Value(), q = info[3].As<Napi::Number>().Int64Value();
    float* x = need(info[0], size_t(p * q), "x");
    float* mean = need(info[1], size_t(q), "mean");
    float* out = need(info[4], size_t(q), "out");
    double scale = info[5].As<Napi::Number>().DoubleValue();
    std::vector<double> s(q);
    squaredDeviationRows(x, mean, p, q, s.data());
    for (int64_t k = 0; k < q; k++) out[k] = float(s[k] * scale);
  });
}

// scaleShift(x, factor, shift, y, p, q, relu, add?): y = x·factor + shift per channel (BatchNorm's forward
// with factor = scale·rsqrt(var + ε), shift = offset − mean·factor), plus `add` (same shape) when given
// (a residual block's shortcut), then clamped at 0 when `relu`: one pass for what TF.js does in three,
// rounded as they round, each op in turn.
Napi::Value ScaleShift(const Napi::CallbackInfo& info) {
  return guarded(info, [&] {
    int64_t p = info[4].As<Napi::Number>().Int64Value(), q = info[5].As<Napi::Number>().Int64Value();
    float* x = need(info[0], size_t(p * q), "x");
    float* a = need(info[1], size_t(q), "factor");
    float* b = need(info[2], size_t(q), "shift");
    float* y = need(info[3], size_t(p * q), "y");
    bool relu = info[6].ToBoolean();
    const float* add = info.Length() > 7 ? f32(info[7], size_t(p * q), "add") : nullptr;
#pragma omp parallel for schedule(static) if (p * q >= 32768)
    for (int64_t i = 0; i < p; i++) {
      const float* xi = x + i * q;
      float* yi = y + i * q;
      if (add) {
        const float* ci = add + i * q;
        if (relu)
          for (int64_t k = 0; k < q; k++) yi[k] = std::max(0.f, (xi[k] * a[k] + b[k]) + ci[k]);
        else
          for (int64_t k = 0; k < q; k++) yi[k] = (xi[k] * a[k] + b[k]) + ci[k];
      } else if (relu)
        for (int64_t k = 0; k < q; k++) yi[k] = std::max(0.f, xi[k] * a[k] + b[k]);
      else
        for (int64_t k = 0; k < q; k++) yi[k] = xi[k] * a[k] + b[k];
    }
  });
}

// batchNormSums(x, dy, mean, p, q, sumDy, sumDyX): the two per-channel sums every BatchNorm
// gradient is made of, Σdy and Σdy·(x − mean), in one pass.
Napi::Value BatchNormSums(const Napi::CallbackInfo& info) {
  return guarded(info, [&] {
    int64_t p = info[3].As<Napi::Number>().Int64Value(), q = info[4].As<Napi::Number>().Int64Value();
    float* x = need(info[0], size_t(p * q), "x");
    float* dy = need(info[1], size_t(p * q), "dy");
    float* mean = need(info[2], size_t(q), "mean");
    float* sumDy = need(info[5], size_t(q), "sumDy");
    float* sumDyX = need(info[6], size_t(q), "sumDyX");
    int threads = omp_get_max_threads();
    std::vector<double> partial(size_t(threads) * size_t(q) * 2, 0.0);
#pragma omp parallel if (p * q >= 32768)
    {
      double* s1 = partial.data() + size_t(omp_get_thread_num()) * size_t(q) * 2;
      double* s2 = s1 + q;
      std::vector<float> b1(size_t(q), 0.f), b2(size_t(q), 0.f);
      int64_t inBlock = 0;
#pragma omp for schedule(static)
      for (int64_t i = 0; i < p; i++) {
        const float* xi = x + i * q;
        const float* gi = dy + i * q;
        for (int64_t k = 0; k < q; k++) {
          b1[size_t(k)] += gi[k];
          b2[size_t(k)] += gi[k] * (xi[k] - mean[k]);
        }
        if (++inBlock == 64) {
          for (int64_t k = 0; k < q; k++) s1[k] += b1[size_t(k)], s2[k] += b2[size_t(k)], b1[size_t(k)] = b2[size_t(k)] = 0.f;
          inBlock = 0;
        }
      }
      for (int64_t k = 0; k < q; k++) s1[k] += b1[size_t(k)], s2[k] += b2[size_t(k)];
    }
    for (int64_t k = 0; k < q; k++) {
      double a = 0, b = 0;
      for (int t = 0; t < threads; t++) {
        a += partial[size_t(t) * size_t(q) * 2 + size_t(k)];
        b += partial[size_t(t) * size_t(q) * 2 + size_t(q) + size_t(k)];
      }
      sumDy[k] = float(a);
      sumDyX[k] = float(b);
    }
  });
}

// batchNormBackward(x, dy, mean, k1, k2, k0, dx, p, q): dx = k1·dy + k2·(x − mean) + k0 per channel,
// the whole training-mode BatchNorm input gradient once the two sums are known.
Napi::Value BatchNormBackward(const Napi::CallbackInfo& info) {
  return guarded(info, [&] {
    int64_t p = info[7].As<Napi::Number>().Int64Value(), q = info[8].As<Napi::Number>().Int64Value();
    float* x = need(info[0], size_t(p * q), "x");
    float* dy = need(info[1], size_t(p * q), "dy");
    float* mean = need(info[2], size_t(q), "mean");
    float* k1 = need(info[3], size_t(q), "k1");
    float* k2 = need(info[4], size_t(q), "k2");
    float* k0 = need(info[5], size_t(q), "k0");
    float* dx = need(info[6], size_t(p * q), "dx");
#pragma omp parallel for schedule(static) if (p * q >= 32768)
    for (int64_t i = 0; i < p; i++) {
      const float* xi = x + i * q;
      const float* gi = dy + i * q;
      float* o = dx + i * q;
      for (int64_t k = 0; k < q; k++) o[k] = k1[k] * gi[k] + k2[k] * (xi[k] - mean[k]) + k0[k];
    }
  });
}

// ---------------------------------------------------------------- images

// resizeBilinear(x, y, [n, ih, iw, c, oh, ow], alignCorners, halfPixelCenters): TF.js's cpu ResizeBilinear,
// the same arithmetic in the same order (in double, as JavaScript computes it, rounded to float on the
// store), per image on the pool: a 96 px training batch is resized from 28 px in this pass.
Napi::Value ResizeBilinear(const Napi::CallbackInfo& info) {
  return guarded(info, [&] {
    auto d = ints(info[2], 6, "resize dims");
    const int64_t n = d[0], ih = d[1], iw = d[2], c = d[3], oh = d[4], ow = d[5];
    if (n < 1 || ih < 1 || iw < 1 || c < 1 || oh < 1 || ow < 1) throw Fail{"bad resize dims"};
    const float* x = need(info[0], size_t(n * ih * iw * c), "x");
    float* y = need(info[1], size_t(n * oh * ow * c), "y");
    const bool align = info[3].ToBoolean(), half = info[4].ToBoolean();
    const double rowRatio = double(align && oh > 1 ? ih - 1 : ih) / double(align && oh > 1 ? oh - 1 : oh);
    const double colRatio = double(align && ow > 1 ? iw - 1 : iw) / double(align && ow > 1 ? ow - 1 : ow);
#pragma omp parallel for schedule(static) if (n * oh * ow * c >= 32768)
    for (int64_t b = 0; b < n; b++) {
      float* out = y + b * oh * ow * c;
      for (int64_t r = 0; r < oh; r++) {
        const double fr = half ? rowRatio * (double(r) + 0.5) - 0.5 : rowRatio * double(r);
        const double r0 = std::max(0.0, std::floor(fr));
        const double rowFrac = fr - r0;
        const int64_t r1 = std::min<int64_t>(ih - 1, int64_t(std::ceil(fr)));
        const float* top = x + (b * ih + int64_t(r0)) * iw * c;
        const float* bot = x + (b * ih + r1) * iw * c;
        for (int64_t q = 0; q < ow; q++) {
          const double fc = half ? colRatio * (double(q) + 0.5) - 0.5 : colRatio * double(q);
          const double c0 = std::max(0.0, std::floor(fc));
          const double colFrac = fc - c0;
          const int64_t c1 = std::min<int64_t>(iw - 1, int64_t(std::ceil(fc)));
          const float *tl = top + int64_t(c0) * c, *tr = top + c1 * c, *bl = bot + int64_t(c0) * c, *br = bot + c1 * c;
          for (int64_t k = 0; k < c; k++) {
            const double t = double(tl[k]) + (double(tr[k]) - double(tl[k])) * colFrac;
            const double u = double(bl[k]) + (double(br[k]) - double(bl[k])) * colFrac;
            *out++ = float(t + (u - t) * rowFrac);
          }
        }
      }
    }
  });
}

// ---------------------------------------------------------------- element-wise (the step's full-size passes)

// binary(op, a, b, out, outer, p, q): out[o,i,k] = a[o,i,k] op b[o,k], with a seen as [outer, p, q] and
// b as [outer, q] repeated p times along the middle: same shape (p = 1), a per-channel vector
// (outer = 1), a scalar (outer = q = 1), a global-pooling gradient ([N,1,1,C] against [N,H,W,C]).
// op: 0 add, 1 sub, 2 mul, 3 (a−b)², 4 a·(b>0) (ReLU's gradient, b the ReLU's input), 5–7 the same as
// 1–3 with the operands swapped (b op a) for when the broadcast one is on the left, 8 a/b, 9 b/a.
template <typename F>
void broadcastOf(const float* a, const float* b, float* out, int64_t outer, int64_t p, int64_t q, F f) {
  const int64_t n = outer * p * q;
  const bool par = n >= 32768;
  if (p == 1) {  // same shape: one flat loop, split over the threads
#pragma omp parallel for schedule(static) if (par)
    for (int64_t i = 0; i < n; i++) out[i] = f(a[i], b[i]);
  } else if (q == 1 && outer == 1) {  // a scalar
    const float s = b[0];
#pragma omp parallel for schedule(static) if (par)
    for (int64_t i = 0; i < n; i++) out[i] = f(a[i], s);
  } else {
#pragma omp parallel for schedule(static) if (par)
    for (int64_t r = 0; r < outer * p; r++) {
      const float* ar = a + r * q;
      const float* br = b + (r / p) * q;
      float* o = out + r * q;
      for (int64_t k = 0; k < q; k++) o[k] = f(ar[k], br[k]);
    }
  }
}

Napi::Value Binary(const Napi::CallbackInfo& info) {
  return guarded(info, [&] {
    int op = info[0].As<Napi::Number>().Int32Value();
    int64_t outer = info[4].As<Napi::Number>().Int64Value(), p = info[5].As<Napi::Number>().Int64Value(),
            q = info[6].As<Napi::Number>().Int64Value();
    if (outer < 1 || p < 1 || q < 1) throw Fail{"bad broadcast"};
    float* a = need(info[1], size_t(outer * p * q), "a");
    float* b = need(info[2], size_t(outer * q), "b");
    float* out = need(info[3], size_t(outer * p * q), "out");
    switch (op) {
      case 0: broadcastOf(a, b, out, outer, p, q, [](float x, float y) { return x + y; }); break;
      case 1: broadcastOf(a, b, out, outer, p, q, [](float x, float y) { return x - y; }); break;
      case 2: broadcastOf(a, b, out, outer, p, q, [](float x, float y) { return x * y; }); break;
      case 3: broadcastOf(a, b, out, outer, p, q, [](float x, float y) { return (x - y) * (x - y); }); break;
      case 4: broadcastOf(a, b, out, outer, p, q, [](float x, float y) { return y > 0.f ? x : 0.f; }); break;
      case 5: broadcastOf(a, b, out, outer, p, q, [](float x, float y) { return y - x; }); break;
      case 6: broadcastOf(a, b, out, outer, p, q, [](float x, float y) { return y * x; }); break;
      case 7: broadcastOf(a, b, out, outer, p, q, [](float x, float y) { return (y - x) * (y - x); }); break;
      case 8: broadcastOf(a, b, out, outer, p, q, [](float x, float y) { return x / y; }); break;
      case 9: broadcastOf(a, b, out, outer, p, q, [](float x, float y) { return y / x; }); break;
      default: throw Fail{"unknown binary op"};
    }
  });
}

// scalar(op, a, s, out, n): 0 out = a·s, 1 out = a + s, 2 out = max(a, 0), 3 out = a − s·b (SGD's update, b = info[5]).
Napi::Value Scalar(const Napi::CallbackInfo& info) {
  return guarded(info, [&] {
    int op = info[0].As<Napi::Number>().Int32Value();
    int64_t n = info[4].As<Napi::Number>().Int64Value();
    float* a = need(info[1], size_t(n), "a");
    float s = float(info[2].As<Napi::Number>().DoubleValue());
    float* out = need(info[3], size_t(n), "out");
    float* b = op == 3 ? need(info[5], size_t(n), "b") : nullptr;
    bool par = n >= 32768;
    switch (op) {
      case 0:
#pragma omp parallel for schedule(static) if (par)
        for (int64_t i = 0; i < n; i++) out[i] = a[i] * s;
        break;
      case 1:
#pragma omp parallel for schedule(static) if (par)
        for (int64_t i = 0; i < n; i++) out[i] = a[i] + s;
        break;
      case 2:
#pragma omp parallel for schedule(static) if (par)
        for (int64_t i = 0; i < n; i++) out[i] = std::max(a[i], 0.f);
        break;
      case 3:
#pragma omp parallel for schedule(static) if (par)
        for (int64_t i = 0; i < n; i++) out[i] = a[i] - s * b[i];
        break;
      default:
        throw Fail{"unknown scalar op"};
    }
  });
}

// sgd(learningRate, values, gradients, outs): outs[i] = values[i] − learningRate·gradients[i] for every
// variable of a step in one parallel region (SGD's update; outs[i] may be values[i] itself). TF.js's
// rounding: c·g with c = −lr in float, then the sum, which is v − fl(lr·g) exactly.
Napi::Value Sgd(const Napi::CallbackInfo& info) {
  return guarded(info, [&] {
    const float lr = float(info[0].As<Napi::Number>().DoubleValue());
    if (!info[1].IsArray() || !info[2].IsArray() || !info[3].IsArray()) throw Fail{"sgd needs three arrays"};
    auto vs = info[1].As<Napi::Array>(), gs = info[2].As<Napi::Array>(), os = info[3].As<Napi::Array>();
    const uint32_t count = vs.Length();
    if (gs.Length() != count || os.Length() != count) throw Fail{"sgd: values, gradients and outputs differ in number"};
    std::vector<float*> v(count), g(count), o(count);
    std::vector<int64_t> n(count);
    int64_t total = 0;
    for (uint32_t i = 0; i < count; i++) {
      Napi::Value vi = vs.Get(i);
      if (!vi.IsTypedArray()) throw Fail{"sgd: a value is not a Float32Array"};
      n[i] = int64_t(vi.As<Napi::TypedArray>().ElementLength());
      v[i] = need(vi, size_t(n[i]), "value");
      g[i] = need(gs.Get(i), size_t(n[i]), "gradient");
      o[i] = need(os.Get(i), size_t(n[i]), "out");
      total += n[i];
    }
#pragma omp parallel if (total >= 32768)
    for (uint32_t k = 0; k < count; k++) {
      const float *vk = v[k], *gk = g[k];
      float* ok = o[k];
#pragma omp for schedule(static) nowait
      for (int64_t i = 0; i < n[k]; i++) ok[i] = vk[i] - lr * gk[i];
    }
  });
}

// ---------------------------------------------------------------- library facts

const char* isaName(cpu_isa isa) {
  switch (isa) {
    case cpu_isa::sse41: return "sse41";
    case cpu_isa::avx: return "avx";
    case cpu_isa::avx2: return "avx2";
    case cpu_isa::avx2_vnni: return "avx2_vnni";
    case cpu_isa::avx512_core: return "avx512_core";
    case cpu_isa::avx512_core_vnni: return "avx512_core_vnni";
    case cpu_isa::avx512_core_bf16: return "avx512_core_bf16";
    case cpu_isa::avx512_core_amx: return "avx512_core_amx";
    default: return "generic";
  }
}

Napi::Value Info(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const version_t* v = version();
  auto out = Napi::Object::New(env);
  out.Set("version", std::to_string(v->major) + "." + std::to_string(v->minor) + "." + std::to_string(v->patch));
  out.Set("isa", isaName(get_effective_cpu_isa()));
  out.Set("threads", omp_get_max_threads());
  out.Set("primitives", double(forwards.size() + backwardData.size() + backwardWeights.size() + pools.size()));
  return out;
}

// setBlocked(passes): which passes build their later primitives on blocked layouts ('' = by plane size;
// as D2L_ONEDNN_BLOCKED). For layout comparisons.
Napi::Value SetBlocked(const Napi::CallbackInfo& info) {
  blockedPasses = info[0].As<Napi::String>().Utf8Value();
  return info.Env().Undefined();
}

Napi::Value SetThreads(const Napi::CallbackInfo& info) {
  int n = info[0].As<Napi::Number>().Int32Value();
  if (n >= 1) omp_set_num_threads(n);
  return Napi::Number::New(info.Env(), omp_get_max_threads());
}

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  exports.Set("info", Napi::Function::New(env, Info));
  exports.Set("setThreads", Napi::Function::New(env, SetThreads));
  exports.Set("setBlocked", Napi::Function::New(env, SetBlocked));
  exports.Set("conv2d", Napi::Function::New(env, Conv2d));
  exports.Set("conv2dBackwardData", Napi::Function::New(env, Conv2dBackwardData));
  exports.Set("conv2dBackwardWeights", Napi::Function::New(env, Conv2dBackwardWeights));
  exports.Set("convImpl", Napi::Function::New(env, ConvImpl));
  exports.Set("maxPool", Napi::Function::New(env, MaxPool));
  exports.Set("maxPoolGrad", Napi::Function::New(env, MaxPoolGrad));
  exports.Set("sumAxes", Napi::Function::New(env, SumAxes));
  exports.Set("meanSquaredDeviation", Napi::Function::New(env, MeanSquaredDeviation));
  exports.Set("scaleShift", Napi::Function::New(env, ScaleShift));
  exports.Set("batchNormSums", Napi::Function::New(env, BatchNormSums));
  exports.Set("batchNormBackward", Napi::Function::New(env, BatchNormBackward));
  exports.Set("binary", Napi::Function::New(env, Binary));
  exports.Set("scalar", Napi::Function::New(env, Scalar));
  exports.Set("sgd", Napi::Function::New(env, Sgd));
  exports.Set("resizeBilinear", Napi::Function::New(env, ResizeBilinear));
  return exports;
}

}  // namespace

NODE_API_MODULE(onednn, Init)
