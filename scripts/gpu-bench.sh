#!/usr/bin/env bash
# The benchmark on a real GPU: FLOP Lab on hardware WebGPU in headless Chromium (Vulkan) beside
# PyTorch CUDA eager, same model, batch and optimiser, one table (docs/bench.md).
#
#   scripts/gpu-bench.sh                                  # webgpu; toy-B + small-B; all six methods
#   scripts/gpu-bench.sh --configs=default,toy-L,small-B --methods=supervised,mae --steps=20
#   GPU_BENCH_REHEARSAL=1 scripts/gpu-bench.sh            # the whole path without a GPU (CI): must refuse at the end
#
# Extra arguments go to scripts/bench.ts (they override the defaults below). Fails, saying why,
# when there is no NVIDIA driver, no Vulkan device, no Chromium, no PyTorch with CUDA, or when
# Chromium's WebGPU adapter turns out to be a software one (SwiftShader) rather than the GPU.
# GPU_BENCH_REHEARSAL=1 turns the first three checks into warnings and runs one tiny supervised
# step with PyTorch on the CPU, so that every step up to the adapter check runs on a machine
# without a GPU; the adapter check then refuses the table, as it must (tests/gpu-bench.test.ts).
set -euo pipefail
cd "$(dirname "$0")/.."

REHEARSAL=${GPU_BENCH_REHEARSAL:-}
die() { echo "gpu-bench: $*" >&2; exit 1; }
# A missing GPU, Vulkan device or CUDA: fatal, except in a rehearsal, which goes on to exercise the rest.
need() {
  if [ -n "$REHEARSAL" ]; then echo "gpu-bench: rehearsal, going on without: $*" >&2; else die "$*"; fi
}

# 1. A GPU and its driver.
GPU=$(nvidia-smi --query-gpu=name,driver_version --format=csv,noheader 2>/dev/null | head -n1) || true
if ! command -v nvidia-smi >/dev/null 2>&1; then
  need "nvidia-smi not found: no NVIDIA driver on this machine (this script needs a GPU)"
elif [ -z "${GPU:-}" ]; then
  need "nvidia-smi lists no GPU (driver not loaded?)"
else
  echo "gpu-bench: GPU: $GPU"
fi

# 2. Vulkan, which Chromium's WebGPU (Dawn) uses on Linux.
if command -v vulkaninfo >/dev/null 2>&1; then
  vulkaninfo --summary 2>/dev/null | grep -qiE 'deviceName.*(nvidia|geforce|tesla|quadro|rtx|[AHL][0-9]{2,3})' ||
    need "vulkaninfo shows no NVIDIA Vulkan device: install the driver's Vulkan ICD (e.g. libnvidia-gl-<version>), check /usr/share/vulkan/icd.d/nvidia_icd.json"
else
  echo "gpu-bench: vulkaninfo not installed (apt-get install vulkan-tools to check the ICD); going on, the adapter check below still applies" >&2
fi

# 3. PyTorch with CUDA (the python3 that bench.ts runs; PYTHON=... to choose another).
PYTHON=${PYTHON:-python3}
TORCH_DEVICE=cuda
"$PYTHON" - <<'EOF' || { need "$PYTHON has no PyTorch with CUDA (pip install torch, or PYTHON=/path/to/python3); see the message above"; TORCH_DEVICE=cpu; }
import sys
try:
    import torch
except ImportError as e:
    sys.exit(f'torch is not importable: {e}')
if not torch.cuda.is_available():
    sys.exit(f'torch {torch.__version__} sees no CUDA device (CPU-only build, or driver/runtime mismatch)')
print(f'gpu-bench: torch {torch.__version__}, CUDA {torch.version.cuda}, {torch.cuda.get_device_name(0)}')
EOF

# 4. Hardware WebGPU in headless Chromium: Vulkan on, GPU blocklist off (tooling/chromium.ts adds these).
export CHROMIUM_EXTRA_ARGS="${CHROMIUM_EXTRA_ARGS:---enable-unsafe-webgpu --enable-features=Vulkan,VulkanFromANGLE --use-vulkan=native --use-angle=vulkan --ignore-gpu-blocklist --disable-vulkan-surface --enable-gpu}"
echo "gpu-bench: CHROMIUM_EXTRA_ARGS=$CHROMIUM_EXTRA_ARGS"

npx vite build
OUT=${OUT:-bench-results/bench-gpu.json}
if [ -n "$REHEARSAL" ]; then
  # One tiny step, one pair: the path, not a measurement (the adapter check below refuses it).
  set -- --configs=tiny --methods=supervised --steps=1 --warmup=0 --pairs=1 "$@"
fi
npx tsx scripts/bench.ts --backends=webgpu --configs=default,small-B --methods=supervised,mae,simclr,byol,dino,clip --steps=20 --warmup=5 \
  --torch-device="$TORCH_DEVICE" --python="$PYTHON" --out="$OUT" "$@"

# 5. The adapter must be the GPU, not SwiftShader (a software fallback would make the table meaningless).
node -e '
const r = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"));
const gpu = r.rows.filter((x) => x.backend === "webgpu");
if (gpu.length === 0) { console.error("gpu-bench: no row ran on webgpu (see the notes above): Chromium found no WebGPU adapter"); process.exit(1); }
const soft = gpu.filter((x) => /swiftshader|llvmpipe|software/i.test(x.adapter));
if (soft.length > 0) { console.error(`gpu-bench: WebGPU ran on a software adapter (${soft[0].adapter}), not the GPU: check the Vulkan ICD and CHROMIUM_EXTRA_ARGS`); process.exit(1); }
if (!r.torch || !/cuda/.test(r.torch.device)) { console.error("gpu-bench: PyTorch did not run on CUDA: " + (r.notes || []).join("; ")); process.exit(1); }
console.log(`gpu-bench: ok, WebGPU adapter "${gpu[0].adapter}", PyTorch on ${r.torch.device}; ${process.argv[1]}`);
' "$OUT"
