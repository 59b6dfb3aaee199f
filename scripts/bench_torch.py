#!/usr/bin/env python3
"""PyTorch eager mirror of FLOP Lab's training step, for `npm run bench` (scripts/bench.ts).

    python3 scripts/bench_torch.py --spec specs.json [--steps 10 --warmup 3 --threads 1 --device cpu]
    python3 scripts/bench_torch.py --model tiny --batch 8 --methods supervised,mae   # without the lab
    python3 scripts/bench_torch.py --device cuda --model toy-B --batch 32 --methods supervised

Builds the lab's model (src/models/vit.ts) in float32 PyTorch: patch embedding as a Linear over
flattened p*p*3 patches (NHWC images, patches in raster order, pixels (row, col, channel)), fixed
2-D sin-cos position embedding (src/models/posembed.ts, incl. the stretched grid of DINO's local
crops), class token or mean pooling, pre-LN blocks with separate q/k/v Linear, softmax attention,
proj, LayerNorm eps 1e-6, exact GELU MLP, final LayerNorm. The optimiser is the lab's AdamW
(src/engine/optimizer.ts): torch.optim.AdamW with weight decay on rank-2 weights only, global-norm
clipping (clip_grad_norm_). Each method's step mirrors src/methods/*.ts:

  supervised  linear head, cross-entropy against soft targets (label smoothing baked in)
  mae         per-image random masking (argsort of noise), encoder on the kept patches, the lab's
              decoder (src/models/maeDecoder.ts: embed, mask token, unshuffle, pos, blocks, norm,
              drop cls, pred), norm_pix loss on the masked patches
  simclr      both views in one encoder call, projection head (Linear no bias + batch-statistics BN,
              ReLU; last BN without offset), NT-Xent
  byol        online encoder + projector + predictor, EMA target (no_grad) on both views, symmetric
              normalised regression loss, EMA update after the step
  dino        teacher (EMA, no_grad) on the 2 global crops, student on global + local crops (one
              encoder call per resolution), DINO head (GELU MLP, l2-norm, weight-normalised
              prototypes), centred/sharpened cross-entropy, centre and EMA updates after the step
  clip        caption tower (src/models/textEncoder.ts: token + learned position embedding, causal
              blocks, EOS row, LayerNorm), bias-free projections, learned logit scale, symmetric
              InfoNCE, logit-scale clamp after the step

Data: random tensors made on the device before timing (the lab's ms/step also includes its JS batch
maker: augmentations and upload; scripts/bench.ts prints that share). Timing: `--warmup` untimed
steps, then `--steps` steps each timed (torch.cuda.synchronize before and after on CUDA); the
median is reported (mean and min too). torch.set_num_threads(--threads), default 1 = the lab's wasm
(single-threaded in the browser build).

Output: one JSON object on stdout {"torch", "device", "threads", "rows": [...]}; each row echoes the
spec's "key" with msPerStep (median), meanMs, minMs, params, or "error" when that method failed.
Progress goes to stderr. Exit code 2 when torch is missing (JSON {"error": ...} on stdout), 3 when
--device cuda is asked for and CUDA is not available.
"""
import argparse
import json
import math
import os
import statistics
import sys
import time

try:
    import torch
    import torch.nn as nn
    import torch.nn.functional as F
except ImportError as e:
    # `python3` may be a pyenv/venv interpreter without torch: try Debian's (python3-torch), as parity/reference.py does.
    if os.path.exists('/usr/bin/python3') and os.path.realpath(sys.executable) != os.path.realpath('/usr/bin/python3'):
        os.execv('/usr/bin/python3', ['/usr/bin/python3', *sys.argv])
    # scripts/bench.ts reads this and prints "-" for PyTorch
    print(json.dumps({'error': f'torch is not importable by {sys.executable}: {e}'}))
    sys.exit(2)

# ------------------------------------------------------------------ the lab's presets and defaults
# src/models/presets.ts
MODEL_PRESETS = {
    'tiny': dict(imageSize=16, patchSize=4, dim=32, depth=2, heads=2, mlpDim=64, pool='cls'),
    'toy-B': dict(imageSize=32, patchSize=8, dim=48, depth=3, heads=3, mlpDim=192, pool='cls'),
    'toy-L': dict(imageSize=32, patchSize=8, dim=64, depth=6, heads=4, mlpDim=256, pool='cls'),
    'small-B': dict(imageSize=64, patchSize=8, dim=192, depth=6, heads=6, mlpDim=768, pool='cls'),
}
# src/methods/catalog.ts defaults
METHOD_DEFAULTS = {
    'supervised': dict(labelSmoothing=0.1, cropScale=1),
    'mae': dict(maskRatio=0.75, decoder='standard', normPixLoss=True),
    'simclr': dict(temperature=0.5, projLayers=2, projHiddenMult=2, projDim=64),
    'byol': dict(baseMomentum=0.99, projHiddenMult=2, projDim=64, predHiddenMult=2),
    'dino': dict(localCrops=2, localSize=0, prototypes=256, headHiddenMult=4, bottleneckDim=64, studentTemp=0.1,
                 warmupTeacherTemp=0.04, teacherTemp=0.04, teacherTempWarmup=0.3, baseMomentum=0.95, centerMomentum=0.9),
    'clip': dict(textSize='mini', maxLen=16, embedDim=48, captionSource='auto'),
}
METHODS = list(METHOD_DEFAULTS)
OPTIM_DEFAULTS = dict(lr=2e-3, beta1=0.9, beta2=0.95, eps=1e-8, weightDecay=0.05, clipNorm=1.0)
TEXT_SIZES = {'mini': dict(width=16, layers=1, heads=1, mlpDim=64), 'medium': dict(width=32, layers=2, heads=2, mlpDim=128)}
PAPER_TEXT_SIZES = {'mini': dict(width=256, layers=4, heads=4, mlpDim=1024), 'medium': dict(width=512, layers=8, heads=8, mlpDim=2048)}
DEFAULT_CLASSES = 10  # the default dataset (imagenet-1k preset)
VOCAB_SIZE = 34  # src/data/tokenize.ts VOCAB.length
EOS_ID = 2


def mae_decoder_config(m, size):  # src/models/maeDecoderShape.ts
    dim = max(4, 4 * round(m['dim'] * 2 / 3 / 4))
    head_dim = m['dim'] / m['heads']
    heads = max(1, round(dim / head_dim))
    while dim % heads:
        heads -= 1
    depth = 1 if size == 'tiny' else max(2, round(m['depth'] * 2 / 3))
    return dict(dim=dim, depth=depth, heads=heads, mlpDim=4 * dim)


def dino_local_side(local_size, m):  # src/methods/catalog.ts dinoLocalSide
    if local_size:
        return local_size
    return max(m['patchSize'], round(m['imageSize'] / 2 / m['patchSize']) * m['patchSize'])


def default_spec(model, batch, method):
    """The spec scripts/bench.ts would send, for a preset and the default config (dataset imagenet-1k)."""
    m = dict(MODEL_PRESETS[model]) if isinstance(model, str) else dict(model)
    opts = dict(METHOD_DEFAULTS[method])
    s = m['imageSize']
    views = {'supervised': [s], 'simclr': [s, s], 'byol': [s, s]}.get(method, [])
    if method == 'dino':
        views = [s, s] + [dino_local_side(opts['localSize'], m)] * opts['localCrops']
    spec = dict(key=f'{model}/{batch}/{method}', method=method, model=m, batchSize=batch, numClasses=DEFAULT_CLASSES,
                methodOptions=opts, optim=dict(OPTIM_DEFAULTS), viewSizes=views, steps=1000)
    if method == 'mae':
        spec['decoder'] = mae_decoder_config(m, opts['decoder'])
    if method == 'clip':
        tower = (PAPER_TEXT_SIZES if m['dim'] >= 768 else TEXT_SIZES)[opts['textSize']]
        spec['text'] = dict(tower, vocabSize=VOCAB_SIZE, maxLen=opts['maxLen'])
    return spec


# ------------------------------------------------------------------ model (src/models/vit.ts)
def sincos_2d(grid, dim, scale=1.0):
    """src/models/posembed.ts sinCos2d: [grid*grid, dim]; first half the column, second the row."""
    q = dim // 4
    omega = 1.0 / 10000 ** (torch.arange(q, dtype=torch.float64) / q)
    rows, cols = torch.meshgrid(torch.arange(grid, dtype=torch.float64), torch.arange(grid, dtype=torch.float64), indexing='ij')

    def half(pos):
        out = pos.reshape(-1)[:, None] * scale * omega[None, :]
        return torch.cat([torch.sin(out), torch.cos(out)], dim=1)

    return torch.cat([half(cols), half(rows)], dim=1).float()


class Block(nn.Module):
    def __init__(self, dim, heads, mlp_dim):
        super().__init__()
        self.heads = heads
        self.norm1 = nn.LayerNorm(dim, eps=1e-6)
        self.q, self.k, self.v = nn.Linear(dim, dim), nn.Linear(dim, dim), nn.Linear(dim, dim)
        self.proj = nn.Linear(dim, dim)
        self.norm2 = nn.LayerNorm(dim, eps=1e-6)
        self.fc1 = nn.Linear(dim, mlp_dim)
        self.fc2 = nn.Linear(mlp_dim, dim)

    def forward(self, x, mask=None):
        b, t, d = x.shape
        h = self.heads
        xn = self.norm1(x)
        split = lambda y: y.reshape(b, t, h, d // h).transpose(1, 2)  # [B, H, T, dh]
        q, k, v = split(self.q(xn)), split(self.k(xn)), split(self.v(xn))
        scores = (q @ k.transpose(-2, -1)) * (1 / math.sqrt(d // h))
        if mask is not None:
            scores = scores + mask
        ctx = (scores.softmax(dim=-1) @ v).transpose(1, 2).reshape(b, t, d)
        x = x + self.proj(ctx)
        return x + self.fc2(F.gelu(self.fc1(self.norm2(x))))


class ViT(nn.Module):
    def __init__(self, m):
        super().__init__()
        self.p = m['patchSize']
        self.dim = m['dim']
        self.grid = m['imageSize'] // self.p
        self.patch = nn.Linear(self.p * self.p * 3, m['dim'])
        self.cls = nn.Parameter(torch.randn(1, 1, m['dim']) * 0.02) if m['pool'] == 'cls' else None
        self.blocks = nn.ModuleList([Block(m['dim'], m['heads'], m['mlpDim']) for _ in range(m['depth'])])
        self.norm = nn.LayerNorm(m['dim'], eps=1e-6)
        self._pos = {}

    def pos(self, grid, device):
        if grid not in self._pos:  # fixed, built once per grid (as the lab caches it)
            self._pos[grid] = sincos_2d(grid, self.dim, self.grid / grid).to(device)
        return self._pos[grid]

    def patchify(self, imgs):  # [B, H, W, 3] -> [B, N, p*p*3], the lab's order
        b, hgt, wid, c = imgs.shape
        p = self.p
        return imgs.reshape(b, hgt // p, p, wid // p, p, c).permute(0, 1, 3, 2, 4, 5).reshape(b, (hgt // p) * (wid // p), p * p * c)

    def embed(self, imgs):
        x = self.patch(self.patchify(imgs))
        return x + self.pos(int(round(math.sqrt(x.shape[1]))), x.device)

    def encode(self, x):
        if self.cls is not None:
            x = torch.cat([self.cls.expand(x.shape[0], -1, -1), x], dim=1)
        for blk in self.blocks:
            x = blk(x)
        return self.norm(x)

    def pool(self, t):
        return t[:, 0] if self.cls is not None else t.mean(dim=1)

    def features(self, imgs):
        return self.pool(self.encode(self.embed(imgs)))


# ------------------------------------------------------------------ heads (src/models/heads.ts)
def batch_norm(x, gamma, beta):  # batch statistics only, eps 1e-5
    return F.batch_norm(x, None, None, weight=gamma, bias=beta, training=True, eps=1e-5)


class MlpHead(nn.Module):
    def __init__(self, dims, bn, bn_last=False, act='relu', bias_last=True):
        super().__init__()
        self.act = act
        self.layers = nn.ModuleList()
        self.gammas = nn.ParameterDict()
        self.betas = nn.ParameterDict()
        last = len(dims) - 2
        for i in range(last + 1):
            with_bn = bn_last if i == last else bn
            bias = False if with_bn else (bias_last if i == last else True)
            self.layers.append(nn.Linear(dims[i], dims[i + 1], bias=bias))
            if with_bn:  # the last BN (SimCLR's) has a scale only
                self.gammas[str(i)] = nn.Parameter(torch.ones(dims[i + 1]))
                if i != last:
                    self.betas[str(i)] = nn.Parameter(torch.zeros(dims[i + 1]))

    def forward(self, x):
        for i, layer in enumerate(self.layers):
            x = layer(x)
            if str(i) in self.gammas:
                x = batch_norm(x, self.gammas[str(i)], self.betas[str(i)] if str(i) in self.betas else None)
            if i < len(self.layers) - 1:
                x = F.relu(x) if self.act == 'relu' else F.gelu(x)
        return x


class DinoHead(nn.Module):
    def __init__(self, in_dim, hidden, bottleneck, k, layers=3):
        super().__init__()
        dims = [in_dim] + [hidden] * (layers - 1) + [bottleneck]
        self.mlp = MlpHead(dims, bn=False, act='gelu')
        bound = 1 / math.sqrt(bottleneck)
        self.prototypes = nn.Parameter(torch.empty(bottleneck, k).uniform_(-bound, bound))

    def forward(self, x):
        h = F.normalize(self.mlp(x), dim=-1, eps=1e-12)
        w = self.prototypes / self.prototypes.norm(dim=0, keepdim=True).clamp_min(1e-12)
        return h @ w


def ema_(target, online, momentum):
    with torch.no_grad():
        for t, o in zip(target, online):
            t.mul_(momentum).add_(o, alpha=1 - momentum)


def cosine_ramp(step, total, base, final):  # src/engine/schedule.ts cosineRamp
    progress = min(1, max(0, step / max(1, total - 1)))
    return final - (final - base) * 0.5 * (1 + math.cos(math.pi * progress))


def l2n(x):
    return x * torch.rsqrt(torch.clamp((x * x).sum(-1, keepdim=True), min=1e-12))


# ------------------------------------------------------------------ methods (src/methods/*.ts)
class Method(nn.Module):
    """`self` holds the trainable parameters; teachers live outside the module (not optimised)."""

    def __init__(self, spec, device):
        super().__init__()
        self.spec = spec
        self.o = spec['methodOptions']
        self.device = device
        self.encoder = ViT(spec['model'])

    def views(self, gen):
        b = self.spec['batchSize']
        return [torch.randn(b, s, s, 3, device=self.device, generator=gen) for s in self.spec['viewSizes']]

    def make_batch(self, gen):
        s = self.spec['model']['imageSize']
        return {'images': torch.randn(self.spec['batchSize'], s, s, 3, device=self.device, generator=gen), 'views': self.views(gen)}

    def after_step(self, step):
        pass


class Supervised(Method):
    def __init__(self, spec, device):
        super().__init__(spec, device)
        self.head = nn.Linear(spec['model']['dim'], spec['numClasses'])
        nn.init.constant_(self.head.bias, -10.0)

    def make_batch(self, gen):
        batch = super().make_batch(gen)
        k, b = self.spec['numClasses'], self.spec['batchSize']
        labels = torch.randint(0, k, (b,), device=self.device, generator=gen)
        s = self.o['labelSmoothing']
        batch['targets'] = F.one_hot(labels, k).float() * (1 - s) + s / k
        return batch

    def loss(self, batch, step):
        return F.cross_entropy(self.head(self.encoder.features(batch['views'][0])), batch['targets'])


class MAE(Method):
    def __init__(self, spec, device):
        super().__init__(spec, device)
        m, dec = spec['model'], spec['decoder']
        self.dd = dec['dim']
        self.n = self.encoder.grid ** 2
        self.prefix = 1 if m['pool'] == 'cls' else 0
        self.kept = int(self.n * (1 - self.o['maskRatio']))
        self.dec_embed = nn.Linear(m['dim'], dec['dim'])
        self.mask_token = nn.Parameter(torch.randn(1, 1, dec['dim']) * 0.02)
        pe = torch.zeros(self.prefix + self.n, dec['dim'])
        pe[self.prefix:] = sincos_2d(self.encoder.grid, dec['dim'])
        self.register_buffer('dec_pos', pe[None])
        self.dec_blocks = nn.ModuleList([Block(dec['dim'], dec['heads'], dec['mlpDim']) for _ in range(dec['depth'])])
        self.dec_norm = nn.LayerNorm(dec['dim'], eps=1e-6)
        self.dec_pred = nn.Linear(dec['dim'], m['patchSize'] ** 2 * 3)

    def loss(self, batch, step):
        imgs = batch['images']
        b = imgs.shape[0]
        tokens = self.encoder.embed(imgs)  # [B, N, D]
        d = tokens.shape[2]
        noise = torch.rand(b, self.n, device=imgs.device)  # MAE random_masking
        ids_shuffle = torch.argsort(noise, dim=1)
        ids_restore = torch.argsort(ids_shuffle, dim=1)
        ids_keep = ids_shuffle[:, :self.kept]
        visible = torch.gather(tokens, 1, ids_keep.unsqueeze(-1).expand(-1, -1, d))
        mask = torch.ones(b, self.n, device=imgs.device)
        mask[:, :self.kept] = 0
        mask = torch.gather(mask, 1, ids_restore)
        latent = self.encoder.encode(visible)  # [B, c+K, D]
        x = self.dec_embed(latent)
        tokens_ = torch.cat([x[:, self.prefix:], self.mask_token.expand(b, self.n - self.kept, -1)], dim=1)
        tokens_ = torch.gather(tokens_, 1, ids_restore.unsqueeze(-1).expand(-1, -1, self.dd))
        x = torch.cat([x[:, :self.prefix], tokens_], dim=1) + self.dec_pos
        for blk in self.dec_blocks:
            x = blk(x)
        pred = self.dec_pred(self.dec_norm(x)[:, self.prefix:])  # the lab drops the class token before pred
        target = self.encoder.patchify(imgs)
        if self.o['normPixLoss']:
            mean = target.mean(dim=-1, keepdim=True)
            var = target.var(dim=-1, keepdim=True)  # unbiased
            target = (target - mean) / (var + 1e-6).sqrt()
        per_patch = ((pred - target) ** 2).mean(dim=-1)
        return (per_patch * mask).sum() / mask.sum()


def nt_xent(z1, z2, t):  # src/methods/simclr/loss.ts
    n = z1.shape[0]
    z = torch.cat([l2n(z1), l2n(z2)])
    logits = z @ z.T / t - torch.eye(2 * n, device=z.device) * 1e9
    positives = torch.cat([torch.arange(n, 2 * n), torch.arange(0, n)]).to(z.device)
    return F.cross_entropy(logits, positives)


class SimCLR(Method):
    def __init__(self, spec, device):
        super().__init__(spec, device)
        d = spec['model']['dim']
        hidden = max(1, round(self.o['projHiddenMult'] * d))
        dims = [d] + [hidden] * (self.o['projLayers'] - 1) + [self.o['projDim']]
        self.head = MlpHead(dims, bn=True, bn_last=True, act='relu')

    def loss(self, batch, step):
        z1, z2 = self.head(self.encoder.features(torch.cat(batch['views']))).chunk(2)
        return nt_xent(z1, z2, self.o['temperature'])


def copy_frozen(module):
    import copy
    c = copy.deepcopy(module)
    for p in c.parameters():
        p.requires_grad_(False)
    return c


class BYOL(Method):
    def __init__(self, spec, device):
        super().__init__(spec, device)
        d, o = spec['model']['dim'], self.o
        ph, qh = max(1, round(o['projHiddenMult'] * d)), max(1, round(o['predHiddenMult'] * d))
        self.projector = MlpHead([d, ph, o['projDim']], bn=True, act='relu', bias_last=False)
        self.predictor = MlpHead([o['projDim'], qh, o['projDim']], bn=True, act='relu', bias_last=False)
        self.target = [copy_frozen(self.encoder), copy_frozen(self.projector)]  # a list: not a submodule

    def to(self, *a, **k):
        super().to(*a, **k)
        self.target = [t.to(*a, **k) for t in self.target]
        return self

    def loss(self, batch, step):
        y1, y2 = self.encoder.features(torch.cat(batch['views'])).chunk(2)
        p1, p2 = self.predictor(self.projector(y1)), self.predictor(self.projector(y2))
        with torch.no_grad():
            enc, proj = self.target
            t1, t2 = [proj(y) for y in enc.features(torch.cat(batch['views'])).chunk(2)]
        reg = lambda p, z: ((l2n(p) - l2n(z)) ** 2).sum(-1)
        return (reg(p1, t2) + reg(p2, t1)).mean() * 0.5

    def after_step(self, step):
        m = cosine_ramp(step, self.spec['steps'], self.o['baseMomentum'], 1)
        enc, proj = self.target
        ema_(list(enc.parameters()) + list(proj.parameters()), list(self.encoder.parameters()) + list(self.projector.parameters()), m)


class DINO(Method):
    def __init__(self, spec, device):
        super().__init__(spec, device)
        d, o = spec['model']['dim'], self.o
        self.head = DinoHead(d, max(1, round(o['headHiddenMult'] * d)), o['bottleneckDim'], o['prototypes'])
        self.teacher = [copy_frozen(self.encoder), copy_frozen(self.head)]
        self.register_buffer('center', torch.zeros(1, o['prototypes']))
        self.last_teacher = None

    def to(self, *a, **k):
        super().to(*a, **k)
        self.teacher = [t.to(*a, **k) for t in self.teacher]
        return self

    def loss(self, batch, step):
        o = self.o
        views = batch['views']
        globals_, locals_ = views[:2], views[2:]
        with torch.no_grad():
            enc, head = self.teacher
            teacher_logits = head(enc.features(torch.cat(globals_)))
        feats = [self.encoder.features(torch.cat(globals_))]
        if locals_:
            feats.append(self.encoder.features(torch.cat(locals_)))
        student = self.head(torch.cat(feats)).chunk(len(views))
        # src/methods/dino/loss.ts: per student view, the sum of its paired teacher targets, one product.
        q = F.softmax((teacher_logits - self.center) / o['teacherTemp'], dim=-1).chunk(2)
        q_all = q[0] + q[1]
        terms, pairs = [], 0
        for v, s in enumerate(student):
            target = q[1 - v] if v < 2 else q_all
            pairs += 1 if v < 2 else 2
            terms.append((target * F.log_softmax(s / o['studentTemp'], dim=-1)).sum())
        self.last_teacher = teacher_logits
        return -torch.stack(terms).sum() / (student[0].shape[0] * pairs)

    def after_step(self, step):
        m = cosine_ramp(step, self.spec['steps'], self.o['baseMomentum'], 1)
        enc, head = self.teacher
        ema_(list(enc.parameters()) + list(head.parameters()), list(self.encoder.parameters()) + list(self.head.parameters()), m)
        with torch.no_grad():
            cm = self.o['centerMomentum']
            self.center.mul_(cm).add_(self.last_teacher.mean(dim=0, keepdim=True), alpha=1 - cm)


class TextTower(nn.Module):  # src/models/textEncoder.ts CaptionEncoder
    def __init__(self, t):
        super().__init__()
        self.token = nn.Parameter(torch.randn(t['vocabSize'], t['width']) * 0.02)
        self.pos = nn.Parameter(torch.randn(t['maxLen'], t['width']) * 0.01)
        self.blocks = nn.ModuleList([Block(t['width'], t['heads'], t['mlpDim']) for _ in range(t['layers'])])
        self.norm = nn.LayerNorm(t['width'], eps=1e-6)
        self.register_buffer('mask', torch.triu(torch.full((t['maxLen'], t['maxLen']), -1e9), diagonal=1))

    def forward(self, ids, eos_rows):
        b, t = ids.shape
        x = self.token[ids.reshape(-1)].reshape(b, t, -1) + self.pos[:t]
        for blk in self.blocks:
            x = blk(x, self.mask[:t, :t])
        return self.norm(x.reshape(b * t, -1)[eos_rows])


class CLIP(Method):
    def __init__(self, spec, device):
        super().__init__(spec, device)
        t, o = spec['text'], self.o
        self.text = TextTower(t)
        self.image_proj = nn.Linear(spec['model']['dim'], o['embedDim'], bias=False)
        self.text_proj = nn.Linear(t['width'], o['embedDim'], bias=False)
        self.logit_scale = nn.Parameter(torch.tensor(math.log(1 / 0.07)))

    def make_batch(self, gen):
        batch = super().make_batch(gen)
        b, t = self.spec['batchSize'], self.spec['text']['maxLen']
        ids = torch.randint(3, self.spec['text']['vocabSize'], (b, t), device=self.device, generator=gen)
        eos = torch.randint(2, t, (b,), device=self.device, generator=gen)
        ids[torch.arange(b, device=self.device), eos] = EOS_ID
        batch['tokens'] = ids
        batch['eos_rows'] = torch.arange(b, device=self.device) * t + eos  # the lab finds these on the host
        return batch

    def loss(self, batch, step):
        image = l2n(self.image_proj(self.encoder.features(batch['images'])))
        text = l2n(self.text_proj(self.text(batch['tokens'], batch['eos_rows'])))
        logits = self.logit_scale.exp() * image @ text.T
        labels = torch.arange(logits.shape[0], device=logits.device)
        return (F.cross_entropy(logits, labels) + F.cross_entropy(logits.T, labels)) / 2

    def after_step(self, step):
        with torch.no_grad():
            self.logit_scale.clamp_(max=math.log(100))


MIRRORS = {'supervised': Supervised, 'mae': MAE, 'simclr': SimCLR, 'byol': BYOL, 'dino': DINO, 'clip': CLIP}


# ------------------------------------------------------------------ timing
def sync(device):
    if device.type == 'cuda':
        torch.cuda.synchronize(device)


def bench_one(spec, device, steps, warmup, seed=0):
    torch.manual_seed(seed)
    model = MIRRORS[spec['method']](spec, device).to(device)
    params = [p for p in model.parameters() if p.requires_grad]
    o = spec['optim']
    # src/engine/optimizer.ts withDecayRule: weight decay on rank-2 weights only.
    groups = [{'params': [p for p in params if p.ndim == 2], 'weight_decay': o['weightDecay']},
              {'params': [p for p in params if p.ndim != 2], 'weight_decay': 0.0}]
    opt = torch.optim.AdamW(groups, lr=o['lr'], betas=(o['beta1'], o['beta2']), eps=o['eps'])
    gen = torch.Generator(device=device)
    gen.manual_seed(seed)
    batches = [model.make_batch(gen) for _ in range(2)]

    def step(i):
        opt.zero_grad(set_to_none=True)
        loss = model.loss(batches[i % 2], i)
        loss.backward()
        if o['clipNorm'] > 0:
            torch.nn.utils.clip_grad_norm_(params, o['clipNorm'])
        opt.step()
        model.after_step(i)
        return loss

    for i in range(warmup):
        step(i)
    sync(device)
    times = []
    for i in range(warmup, warmup + steps):
        sync(device)
        t0 = time.perf_counter()
        loss = step(i)
        sync(device)
        times.append((time.perf_counter() - t0) * 1e3)
    final = float(loss.detach())
    return {
        'msPerStep': statistics.median(times),
        'meanMs': statistics.fmean(times),
        'minMs': min(times),
        'params': sum(p.numel() for p in params),
        'finiteLoss': math.isfinite(final),
    }


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('--spec', help='JSON file of specs from scripts/bench.ts ({"specs": [...]} or a list; - for stdin)')
    ap.add_argument('--model', default='tiny', help='preset for standalone use: ' + ', '.join(MODEL_PRESETS))
    ap.add_argument('--batch', type=int, default=8)
    ap.add_argument('--methods', default='supervised', help='comma-separated, standalone use: ' + ','.join(METHODS))
    ap.add_argument('--steps', type=int, default=10)
    ap.add_argument('--warmup', type=int, default=3)
    ap.add_argument('--threads', type=int, default=1, help="torch.set_num_threads; default 1, the lab's wasm thread count")
    ap.add_argument('--device', default='cpu', help='cpu or cuda (cuda:N)')
    args = ap.parse_args(argv)

    device = torch.device(args.device)
    if device.type == 'cuda' and not torch.cuda.is_available():
        print(json.dumps({'error': f'--device {args.device}: CUDA is not available to torch {torch.__version__} (no GPU or driver?)'}))
        return 3
    torch.set_num_threads(max(1, args.threads))
    try:
        torch.set_num_interop_threads(1)
    except RuntimeError:
        pass

    if args.spec:
        raw = json.load(sys.stdin if args.spec == '-' else open(args.spec))
        specs = raw['specs'] if isinstance(raw, dict) else raw
    else:
        specs = [default_spec(args.model, args.batch, m.strip()) for m in args.methods.split(',') if m.strip()]

    rows = []
    for spec in specs:
        row = {'key': spec.get('key'), 'method': spec['method'], 'batchSize': spec['batchSize']}
        if spec['method'] not in MIRRORS:
            row['error'] = f"no PyTorch mirror of method '{spec['method']}'"
        else:
            try:
                row.update(bench_one(spec, device, args.steps, args.warmup))
            except Exception as e:  # one method failing must not lose the others' timings
                row['error'] = f'{type(e).__name__}: {e}'
        print(f"bench_torch: {row.get('key')}: " + (f"{row['msPerStep']:.2f} ms/step" if 'msPerStep' in row else row['error']), file=sys.stderr)
        rows.append(row)

    out = {
        'torch': torch.__version__,
        'device': str(device) + (f' ({torch.cuda.get_device_name(device)})' if device.type == 'cuda' else ''),
        'threads': torch.get_num_threads(),
        'steps': args.steps,
        'warmup': args.warmup,
        'tf32': bool(torch.backends.cuda.matmul.allow_tf32) if device.type == 'cuda' else False,
        'rows': rows,
    }
    print(json.dumps(out))
    return 0


if __name__ == '__main__':
    sys.exit(main())
