#!/usr/bin/python3
"""Training parity, step 2 of 2: an independent PyTorch (float64) reference.

    /usr/bin/python3 scripts/parity/reference.py [supervised|simclr|mae|byol|dino ...]
    (after npx tsx scripts/parity/export.ts; both at once: npm run parity)

Reads tests/fixtures/parity_inputs/<method>.json.gz (initial weights, per-step
batches and MAE masks exported from the lab) and trains the same model with the
same optimiser and schedule, written from the PyTorch / original-code semantics
rather than from the lab's tfjs code:

  * ViT: timm/MAE style. Conv2d patch embedding (the lab's [p*p*3, D] weight,
    patch pixels in (row, col, channel) order, is loaded into the conv's
    [D, 3, p, p] kernel), fixed 2-D sin-cos position embedding from MAE's
    get_2d_sincos_pos_embed (cls row zero), class token, pre-LN blocks with
    nn.LayerNorm(eps=1e-6), separate q/k/v nn.Linear, softmax(q k^T / sqrt(dh)),
    exact-erf nn.GELU, final LayerNorm, class-token pooling.
  * supervised: nn.Linear head, F.cross_entropy with probability targets
    (the targets are rebuilt from the labels with the paper's A.3 averaging +
    smoothing and checked against the exported ones).
  * simclr: projection head Linear(no bias) -> BN -> ReLU -> Linear(no bias) ->
    BN(scale only), batch statistics (F.batch_norm training=True, eps 1e-5) over
    the 2B views; NT-Xent as F.cross_entropy over the 2B anchors with the self
    similarity masked out, mean over 2B (the lab's convention: half of the
    google-research/simclr sum of the two directions).
  * mae: models_mae.py random_masking (argsort of per-patch noise), encoder on
    the kept patches, decoder_embed, mask tokens, unshuffle with ids_restore,
    decoder position embedding, blocks, norm, decoder_pred, drop cls;
    forward_loss with norm_pix_loss (unbiased var, eps 1e-6).
  * byol: byol_experiment.py. Online encoder -> projector -> predictor
    (networks.py MLP: Linear -> BatchNorm (batch statistics) -> ReLU -> Linear,
    per view), target encoder + projector under torch.no_grad (the
    stop-gradient), helpers.py regression_loss both ways (p1 vs z'2, p2 vs z'1),
    times 0.5 (the lab's scale: the mean of the two directions, half BYOL's sum).
  * dino: main_dino.py. Student on all crops (MultiCropWrapper: one encoder pass
    per resolution, the head once), teacher on the 2 global crops under
    torch.no_grad; DINOHead (3-layer GELU MLP, F.normalize, weight_norm last
    layer with weight_g = 1 frozen); DINOLoss (teacher softmax of the centred
    logits / teacher temp, student log-softmax / student temp, all pairs except
    the same crop, update_center with the centre momentum), the teacher
    temperature from np.linspace(warmup_teacher_temp, teacher_temp, warm-up)
    per step. Local crops take the lab's fixed sin-cos position embedding of
    their smaller grid, stretched over the training grid's range.
  * EMA (both): after the optimiser step, target <- m target + (1 - m) online
    with m = 1 - (1 - base) (cos(pi k / (K - 1)) + 1) / 2 (the lab's variant of
    the papers' k / K: it reaches 1 at the last step); the target / teacher
    starts as a copy (asserted). Like the lab, DINO has no freeze_last_layer, no
    weight-decay schedule and clips the global norm (main_dino.py clips each
    parameter): those are the lab's trainer, shared by every method.
  * optimiser: torch.optim.AdamW with two parameter groups (weight decay on
    matrices/conv kernels only, DINO's prototypes included; not on biases,
    norms, cls/mask tokens; the EMA copies are not optimised), lr set
    per step from MAE's warm-up cosine (the lab's variant: warm-up ends at lr on
    step warmup-1, ramping from min_lr), torch.nn.utils.clip_grad_norm_.

Writes tests/fixtures/parity_<method>.json: the config, digests (copied from
the inputs, so the test can tell a changed generator from a changed model), the
names and shapes of the variables trained (so it can name a module added or removed),
and per step the lr, the reference loss, the global grad norm before clipping
and whether the clip fired.
"""
import base64
import gzip
import json
import math
import os
import sys

try:
    import torch
except ImportError:  # `python3` may be a pyenv/venv interpreter without torch: use Debian's, which has it
    if os.path.exists('/usr/bin/python3') and os.path.realpath(sys.executable) != os.path.realpath('/usr/bin/python3'):
        os.execv('/usr/bin/python3', ['/usr/bin/python3', *sys.argv])
    raise
import numpy as np
import torch.nn as nn
import torch.nn.functional as F

torch.set_default_dtype(torch.float64)
DT = torch.float64
HERE = os.path.dirname(os.path.abspath(__file__))
FIXTURES = os.path.join(HERE, '..', '..', 'tests', 'fixtures')
METHODS = ['supervised', 'simclr', 'mae', 'byol', 'dino']


def unpack(p):
    raw = bytearray(base64.b64decode(p['b64']))
    dtype = torch.float32 if p['dtype'] == 'float32' else torch.int32
    t = torch.frombuffer(raw, dtype=dtype).reshape(p['shape'])
    return t.to(DT) if dtype == torch.float32 else t.long()


# ------------------------------------------------------------------ model
def sincos_1d(embed_dim, pos):
    # MAE util/pos_embed.py get_1d_sincos_pos_embed_from_grid
    omega = torch.arange(embed_dim // 2, dtype=DT) / (embed_dim / 2.0)
    omega = 1.0 / 10000 ** omega
    out = pos.reshape(-1)[:, None] * omega[None, :]
    return torch.cat([torch.sin(out), torch.cos(out)], dim=1)


def sincos_2d(embed_dim, grid_size, cls_token, scale=1.0):
    # MAE get_2d_sincos_pos_embed: grid = meshgrid(grid_w, grid_h) (w first), emb_h from grid[0].
    # scale: the lab's local crops (a smaller grid) place their patches at positions
    # 0, s, 2s, ... with s = training grid / crop grid, spanning the training grid's range
    # (its fixed-embedding stand-in for DINO's interpolate_pos_encoding).
    gh = torch.arange(grid_size, dtype=DT) * scale
    gw = torch.arange(grid_size, dtype=DT) * scale
    grid_w, grid_h = torch.meshgrid(gw, gh, indexing='xy')  # [h, w] arrays: grid_w[i, j] = j
    emb = torch.cat([sincos_1d(embed_dim // 2, grid_w), sincos_1d(embed_dim // 2, grid_h)], dim=1)
    if cls_token:
        emb = torch.cat([torch.zeros(1, embed_dim), emb], dim=0)
    return emb


class Attention(nn.Module):
    def __init__(self, dim, heads):
        super().__init__()
        self.heads = heads
        self.q = nn.Linear(dim, dim)
        self.k = nn.Linear(dim, dim)
        self.v = nn.Linear(dim, dim)
        self.proj = nn.Linear(dim, dim)

    def forward(self, x):
        b, n, d = x.shape
        h = self.heads
        split = lambda t: t.reshape(b, n, h, d // h).transpose(1, 2)  # [B, h, N, dh]
        q, k, v = split(self.q(x)), split(self.k(x)), split(self.v(x))
        attn = (q @ k.transpose(-2, -1)) * (d // h) ** -0.5
        attn = attn.softmax(dim=-1)
        return self.proj((attn @ v).transpose(1, 2).reshape(b, n, d))


class Block(nn.Module):
    def __init__(self, dim, heads, mlp_dim, gelu_approx='none'):
        super().__init__()
        self.norm1 = nn.LayerNorm(dim, eps=1e-6)
        self.attn = Attention(dim, heads)
        self.norm2 = nn.LayerNorm(dim, eps=1e-6)
        self.fc1 = nn.Linear(dim, mlp_dim)
        self.act = nn.GELU(approximate=gelu_approx)
        self.fc2 = nn.Linear(mlp_dim, dim)

    def forward(self, x):
        x = x + self.attn(self.norm1(x))
        return x + self.fc2(self.act(self.fc1(self.norm2(x))))


class ViT(nn.Module):
    def __init__(self, m):
        super().__init__()
        assert m['pool'] == 'cls', 'the parity runs use class-token pooling'
        self.p = m['patchSize']
        self.grid = m['imageSize'] // self.p
        self.patch_embed = nn.Conv2d(3, m['dim'], kernel_size=self.p, stride=self.p)
        self.cls_token = nn.Parameter(torch.zeros(1, 1, m['dim']))
        self.register_buffer('pos_embed', sincos_2d(m['dim'], self.grid, cls_token=True)[None])
        self.blocks = nn.ModuleList([Block(m['dim'], m['heads'], m['mlpDim']) for _ in range(m['depth'])])
        self.norm = nn.LayerNorm(m['dim'], eps=1e-6)

    def embed(self, imgs):  # imgs NCHW -> [B, N, D] (+ pos)
        x = self.patch_embed(imgs)
        g = x.shape[-1]
        x = x.flatten(2).transpose(1, 2)
        if g == self.grid:
            return x + self.pos_embed[:, 1:, :]
        # a smaller crop (DINO's local crops): its own grid, stretched over the training grid's range
        return x + sincos_2d(x.shape[-1], g, cls_token=False, scale=self.grid / g)[None]

    def encode(self, x):  # prepend cls (+ its zero pos), blocks, norm
        cls = (self.cls_token + self.pos_embed[:, :1, :]).expand(x.shape[0], -1, -1)
        x = torch.cat([cls, x], dim=1)
        for blk in self.blocks:
            x = blk(x)
        return self.norm(x)

    def features(self, imgs):
        return self.encode(self.embed(imgs))[:, 0]


def nchw(x):
    return x.permute(0, 3, 1, 2).contiguous()


# ------------------------------------------------------------------ weight loading
def load_linear(lin, w, name):
    lin.weight.data.copy_(w[f'{name}.w'].T)
    if lin.bias is not None:
        lin.bias.data.copy_(w[f'{name}.b'])
    else:
        assert f'{name}.b' not in w, f'{name} has a bias in the lab but not here'
    return [f'{name}.w'] + ([f'{name}.b'] if lin.bias is not None else [])


def load_ln(ln, w, name):
    ln.weight.data.copy_(w[f'{name}.gamma'])
    ln.bias.data.copy_(w[f'{name}.beta'])
    return [f'{name}.gamma', f'{name}.beta']


def load_blocks(blocks, w, prefix):
    used = []
    for i, blk in enumerate(blocks):
        n = f'{prefix}.block{i}'
        used += load_ln(blk.norm1, w, f'{n}.norm1') + load_ln(blk.norm2, w, f'{n}.norm2')
        for part in ['q', 'k', 'v', 'proj']:
            used += load_linear(getattr(blk.attn, part), w, f'{n}.{part}')
        used += load_linear(blk.fc1, w, f'{n}.fc1') + load_linear(blk.fc2, w, f'{n}.fc2')
    return used


def load_vit(vit, w, p, prefix='encoder'):
    d = vit.patch_embed.out_channels
    # lab: patch vector index (i * p + j) * 3 + c  ->  conv kernel [d, c, i, j]
    vit.patch_embed.weight.data.copy_(w[f'{prefix}.patch.w'].T.reshape(d, p, p, 3).permute(0, 3, 1, 2))
    vit.patch_embed.bias.data.copy_(w[f'{prefix}.patch.b'])
    vit.cls_token.data.copy_(w[f'{prefix}.cls'])
    return ([f'{prefix}.patch.w', f'{prefix}.patch.b', f'{prefix}.cls'] + load_blocks(vit.blocks, w, prefix)
            + load_ln(vit.norm, w, f'{prefix}.norm'))


# ------------------------------------------------------------------ methods
class Supervised(nn.Module):
    def __init__(self, m, num_classes, opts):
        super().__init__()
        self.vit = ViT(m)
        self.head = nn.Linear(m['dim'], num_classes)
        self.smoothing = opts['labelSmoothing']
        self.num_classes = num_classes

    def load(self, w, m):
        return load_vit(self.vit, w, m['patchSize']) + load_linear(self.head, w, 'supervised.head')

    def targets(self, labels):
        # Koppula et al. 2022 A.3: y = one_hot(labels).sum(-2); y /= y.sum(-1); smooth
        rows = []
        for row in labels:
            y = F.one_hot(torch.tensor(row), self.num_classes).to(DT).sum(dim=-2)
            y = y / y.sum(dim=-1, keepdim=True)
            rows.append(y * (1 - self.smoothing) + self.smoothing / self.num_classes)
        return torch.stack(rows)

    def loss(self, rec):
        targets = self.targets(rec['labels'])
        exported = unpack(rec['targets'])
        assert torch.allclose(targets, exported, atol=1e-7), 'exported targets differ from the A.3 targets'
        logits = self.head(self.vit.features(nchw(unpack(rec['view']))))
        return F.cross_entropy(logits, targets)


def batch_norm(x, gamma, beta):
    return F.batch_norm(x, None, None, weight=gamma, bias=beta, training=True, eps=1e-5)


class SimCLR(nn.Module):
    def __init__(self, m, num_classes, opts):
        super().__init__()
        assert opts['projLayers'] == 2, 'this reference writes the 2-layer (SimCLR v1) head'
        d = m['dim']
        hidden = max(1, round(opts['projHiddenMult'] * d))
        self.vit = ViT(m)
        self.fc0 = nn.Linear(d, hidden, bias=False)
        self.bn0_gamma = nn.Parameter(torch.ones(hidden))
        self.bn0_beta = nn.Parameter(torch.zeros(hidden))
        self.fc1 = nn.Linear(hidden, opts['projDim'], bias=False)
        self.bn1_gamma = nn.Parameter(torch.ones(opts['projDim']))  # last BN: scale, no offset
        self.t = opts['temperature']

    def load(self, w, m):
        used = load_vit(self.vit, w, m['patchSize'])
        used += load_linear(self.fc0, w, 'simclr.projector.fc0') + load_linear(self.fc1, w, 'simclr.projector.fc1')
        for name, p in [('bn0.gamma', self.bn0_gamma), ('bn0.beta', self.bn0_beta), ('bn1.gamma', self.bn1_gamma)]:
            p.data.copy_(w[f'simclr.projector.{name}'])
            used.append(f'simclr.projector.{name}')
        return used

    def project(self, h):
        h = F.relu(batch_norm(self.fc0(h), self.bn0_gamma, self.bn0_beta))
        return batch_norm(self.fc1(h), self.bn1_gamma, None)

    def loss(self, rec):
        v1, v2 = [nchw(unpack(v)) for v in rec['views']]
        b = v1.shape[0]
        z = F.normalize(self.project(self.vit.features(torch.cat([v1, v2]))), dim=1)  # [2B, P], BN over all 2B
        logits = z @ z.T / self.t
        logits = logits.masked_fill(torch.eye(2 * b, dtype=torch.bool), float('-inf'))
        positives = torch.cat([torch.arange(b, 2 * b), torch.arange(0, b)])
        return F.cross_entropy(logits, positives)  # mean over the 2B anchors


class MAE(nn.Module):
    def __init__(self, m, num_classes, opts, dec):
        super().__init__()
        self.vit = ViT(m)
        self.p = m['patchSize']
        self.mask_ratio = opts['maskRatio']
        self.norm_pix_loss = opts['normPixLoss']
        self.decoder_embed = nn.Linear(m['dim'], dec['dim'])
        self.mask_token = nn.Parameter(torch.zeros(1, 1, dec['dim']))
        self.register_buffer('decoder_pos_embed', sincos_2d(dec['dim'], self.vit.grid, cls_token=True)[None])
        self.decoder_blocks = nn.ModuleList([Block(dec['dim'], dec['heads'], dec['mlpDim']) for _ in range(dec['depth'])])
        self.decoder_norm = nn.LayerNorm(dec['dim'], eps=1e-6)
        self.decoder_pred = nn.Linear(dec['dim'], self.p * self.p * 3)

    def load(self, w, m):
        used = load_vit(self.vit, w, m['patchSize'])
        used += load_linear(self.decoder_embed, w, 'decoder.embed')
        self.mask_token.data.copy_(w['decoder.maskToken'])
        used.append('decoder.maskToken')
        used += load_blocks(self.decoder_blocks, w, 'decoder') + load_ln(self.decoder_norm, w, 'decoder.norm')
        return used + load_linear(self.decoder_pred, w, 'decoder.pred')

    def patchify(self, imgs):  # models_mae.py: NCHW -> [N, L, p*p*3]
        p = self.p
        h = w = imgs.shape[2] // p
        x = imgs.reshape(imgs.shape[0], 3, h, p, w, p)
        x = torch.einsum('nchpwq->nhwpqc', x)
        return x.reshape(imgs.shape[0], h * w, p * p * 3)

    def random_masking(self, x, noise):  # models_mae.py, with the exported noise
        n, l, d = x.shape
        len_keep = int(l * (1 - self.mask_ratio))
        ids_shuffle = torch.sort(noise, dim=1, stable=True).indices
        ids_restore = torch.argsort(ids_shuffle, dim=1)
        ids_keep = ids_shuffle[:, :len_keep]
        x_masked = torch.gather(x, 1, ids_keep.unsqueeze(-1).repeat(1, 1, d))
        mask = torch.ones(n, l)
        mask[:, :len_keep] = 0
        mask = torch.gather(mask, 1, ids_restore)
        return x_masked, mask, ids_restore

    def loss(self, rec):
        imgs = nchw(unpack(rec['images']))
        noise = torch.tensor(rec['noise'], dtype=DT)
        x, mask, ids_restore = self.random_masking(self.vit.embed(imgs), noise)
        assert torch.equal(ids_restore, unpack(rec['idsRestore'])), 'ids_restore differs from the lab'
        assert torch.equal(mask, unpack(rec['mask'])), 'mask differs from the lab'
        assert x.shape[1] == rec['lenKeep']
        latent = self.vit.encode(x)
        # forward_decoder
        x = self.decoder_embed(latent)
        mask_tokens = self.mask_token.repeat(x.shape[0], ids_restore.shape[1] + 1 - x.shape[1], 1)
        x_ = torch.cat([x[:, 1:, :], mask_tokens], dim=1)
        x_ = torch.gather(x_, 1, ids_restore.unsqueeze(-1).repeat(1, 1, x.shape[2]))
        x = torch.cat([x[:, :1, :], x_], dim=1) + self.decoder_pos_embed
        for blk in self.decoder_blocks:
            x = blk(x)
        pred = self.decoder_pred(self.decoder_norm(x))[:, 1:, :]
        # forward_loss
        target = self.patchify(imgs)
        if self.norm_pix_loss:
            mean = target.mean(dim=-1, keepdim=True)
            var = target.var(dim=-1, keepdim=True)
            target = (target - mean) / (var + 1.e-6) ** .5
        loss = ((pred - target) ** 2).mean(dim=-1)
        return (loss * mask).sum() / mask.sum()


# ------------------------------------------------------------------ EMA target / teacher
def ema_momentum(step, total, base):
    # BYOL: tau = 1 - (1 - tau_base) (cos(pi k / K) + 1) / 2; DINO: cosine_scheduler(base, 1, ...), the
    # same curve. The lab's variant: progress k / (K - 1), so the last step's update has tau = 1
    # (both papers' code use k / K and never quite reach 1).
    progress = min(1., max(0., step / max(1, total - 1)))
    return 1. - (1. - base) * (math.cos(math.pi * progress) + 1.) / 2.


def frozen_copy_of(module):
    for p in module.parameters():
        p.requires_grad_(False)
    return module


def ema_update_(pairs, m):
    # BYOL / DINO, after the optimiser step: target <- m * target + (1 - m) * online, parameter by parameter
    with torch.no_grad():
        for target, online in pairs:
            tp, op = dict(target.named_parameters()), dict(online.named_parameters())
            assert sorted(tp) == sorted(op), 'target and online parameters differ'
            for name, t in tp.items():
                t.mul_(m).add_(op[name].detach(), alpha=1. - m)


def assert_copies(pairs, what):
    for target, online in pairs:
        for (n, t), (_, o) in zip(target.named_parameters(), online.named_parameters()):
            assert torch.equal(t, o), f'{what}: {n} does not start as a copy of the online weights'


class ByolMLP(nn.Module):
    """byol/utils/networks.py MLP: Linear -> BatchNorm -> ReLU -> Linear. The hidden Linear has no bias
    here (haiku's is cancelled exactly by the BN's mean subtraction; the lab drops it); BN in training
    mode (batch statistics, biased variance, eps 1e-5) for online and target alike, as BYOL runs both."""

    def __init__(self, d_in, hidden, d_out):
        super().__init__()
        self.fc0 = nn.Linear(d_in, hidden, bias=False)
        self.bn0 = nn.BatchNorm1d(hidden, eps=1e-5, track_running_stats=False)
        self.fc1 = nn.Linear(hidden, d_out, bias=False)

    def forward(self, x):
        return self.fc1(F.relu(self.bn0(self.fc0(x))))

    def load(self, w, name):
        used = load_linear(self.fc0, w, f'{name}.fc0') + load_linear(self.fc1, w, f'{name}.fc1')
        self.bn0.weight.data.copy_(w[f'{name}.bn0.gamma'])
        self.bn0.bias.data.copy_(w[f'{name}.bn0.beta'])
        return used + [f'{name}.bn0.gamma', f'{name}.bn0.beta']


def byol_regression_loss(x, y, eps=1e-12):
    # byol/utils/helpers.py regression_loss: l2-normalise with rsqrt(max(sum x^2, eps)), squared distance
    nx = x * torch.rsqrt(torch.clamp((x * x).sum(dim=-1, keepdim=True), min=eps))
    ny = y * torch.rsqrt(torch.clamp((y * y).sum(dim=-1, keepdim=True), min=eps))
    return ((nx - ny) ** 2).sum(dim=-1)


class BYOL(nn.Module):
    """Online: encoder -> projector -> predictor; target (EMA, no gradient): encoder -> projector.
    The projector / predictor run per view (per-view BN statistics, as byol_experiment.py applies the
    network to each view); the encoder (LayerNorm only) runs on both views at once, the same function."""

    def __init__(self, m, num_classes, opts):
        super().__init__()
        d = m['dim']
        proj_hidden = max(1, round(opts['projHiddenMult'] * d))
        pred_hidden = max(1, round(opts['predHiddenMult'] * d))
        self.vit = ViT(m)
        self.projector = ByolMLP(d, proj_hidden, opts['projDim'])
        self.predictor = ByolMLP(opts['projDim'], pred_hidden, opts['projDim'])
        self.target_vit = frozen_copy_of(ViT(m))
        self.target_projector = frozen_copy_of(ByolMLP(d, proj_hidden, opts['projDim']))
        self.base_momentum = opts['baseMomentum']
        self.pairs = [(self.target_vit, self.vit), (self.target_projector, self.projector)]

    def load(self, w, m):
        p = m['patchSize']
        used = load_vit(self.vit, w, p) + self.projector.load(w, 'byol.online.projector') + self.predictor.load(w, 'byol.online.predictor')
        used += load_vit(self.target_vit, w, p, 'byol.target.encoder') + self.target_projector.load(w, 'byol.target.projector')
        assert_copies(self.pairs, 'byol target')
        return used

    def loss(self, rec):
        v1, v2 = [nchw(unpack(v)) for v in rec['views']]
        y1, y2 = self.vit.features(torch.cat([v1, v2])).chunk(2)
        p1, p2 = self.predictor(self.projector(y1)), self.predictor(self.projector(y2))
        with torch.no_grad():  # the stop-gradient on the target branch
            t1, t2 = self.target_vit.features(torch.cat([v1, v2])).chunk(2)
            z1, z2 = self.target_projector(t1), self.target_projector(t2)
        official = (byol_regression_loss(p1, z2) + byol_regression_loss(p2, z1)).mean()
        return 0.5 * official  # the lab's scale: the mean of the two directions, half the official sum

    def after_step(self, step, total):
        mom = ema_momentum(step, total, self.base_momentum)
        ema_update_(self.pairs, mom)
        return {'momentum': mom}


class DINOHead(nn.Module):
    """vision_transformer.py DINOHead(use_bn=False, norm_last_layer=True, nlayers=3): Linear-GELU-Linear-GELU-
    Linear, F.normalize, weight_norm(Linear(bottleneck, K, bias=False)) with weight_g filled with 1 and
    frozen (requires_grad False: a constant, so only the direction of each prototype row trains)."""

    def __init__(self, in_dim, hidden, bottleneck, k):
        super().__init__()
        self.mlp = nn.Sequential(nn.Linear(in_dim, hidden), nn.GELU(), nn.Linear(hidden, hidden), nn.GELU(), nn.Linear(hidden, bottleneck))
        self.last_layer = nn.utils.weight_norm(nn.Linear(bottleneck, k, bias=False))
        self.last_layer.weight_g.data.fill_(1)
        self.last_layer.weight_g.requires_grad = False

    def forward(self, x):
        x = F.normalize(self.mlp(x), dim=-1, p=2)
        return self.last_layer(x)

    def load(self, w, name):
        used = []
        for i, lin in enumerate([self.mlp[0], self.mlp[2], self.mlp[4]]):
            used += load_linear(lin, w, f'{name}.mlp.fc{i}')
        # the lab's prototypes v are [bottleneck, K] (one column each); weight_v is [K, bottleneck]
        self.last_layer.weight_v.data.copy_(w[f'{name}.last.v'].T)
        return used + [f'{name}.last.v']


class DINO(nn.Module):
    """main_dino.py: student (all crops, MultiCropWrapper: one backbone pass per resolution, the head once
    over all crops) and EMA teacher (global crops only, no gradient); DINOLoss with centring, student and
    teacher temperatures and the teacher-temperature warm-up. Like the lab, no freeze_last_layer, no
    weight-decay schedule and global-norm clipping (main_dino.py clips per parameter): these are the
    lab's trainer, shared with the other methods."""

    def __init__(self, m, num_classes, opts):
        super().__init__()
        d = m['dim']
        hidden = max(1, round(opts['headHiddenMult'] * d))
        k = opts['prototypes']
        self.vit = ViT(m)
        self.head = DINOHead(d, hidden, opts['bottleneckDim'], k)
        self.teacher_vit = frozen_copy_of(ViT(m))
        self.teacher_head = frozen_copy_of(DINOHead(d, hidden, opts['bottleneckDim'], k))
        self.pairs = [(self.teacher_vit, self.vit), (self.teacher_head, self.head)]
        self.register_buffer('center', torch.zeros(1, k))
        self.ncrops = 2 + opts['localCrops']
        self.student_temp = opts['studentTemp']
        self.center_momentum = opts['centerMomentum']
        self.base_momentum = opts['baseMomentum']
        self.opts = opts

    def teacher_temp_schedule(self, total):
        # DINOLoss.__init__: np.linspace(warmup_teacher_temp, teacher_temp, warmup) then teacher_temp,
        # per step here (per epoch in DINO); warm-up steps = the lab's Math.round(fraction * steps).
        warm = int(math.floor(self.opts['teacherTempWarmup'] * total + 0.5))
        return np.concatenate((np.linspace(self.opts['warmupTeacherTemp'], self.opts['teacherTemp'], warm),
                               np.ones(total - warm) * self.opts['teacherTemp']))

    def load(self, w, m):
        p = m['patchSize']
        used = load_vit(self.vit, w, p) + self.head.load(w, 'dino.student.head')
        used += load_vit(self.teacher_vit, w, p, 'dino.teacher.encoder') + self.teacher_head.load(w, 'dino.teacher.head')
        assert_copies(self.pairs, 'dino teacher')
        return used

    def load_buffers(self, b):
        self.center.copy_(b['dino.buffers.center'])

    def loss(self, rec):
        crops = [nchw(unpack(v)) for v in rec['views']]
        assert len(crops) == self.ncrops, f'{len(crops)} crops, expected {self.ncrops}'
        with torch.no_grad():  # teacher: the 2 global crops
            teacher_output = self.teacher_head(self.teacher_vit.features(torch.cat(crops[:2])))
        feats = [self.vit.features(torch.cat(crops[:2]))]
        if self.ncrops > 2:
            feats.append(self.vit.features(torch.cat(crops[2:])))
        student_output = self.head(torch.cat(feats))
        # DINOLoss.forward
        temp = float(self.schedule[rec['step']])
        self.last_temp = temp
        student_out = (student_output / self.student_temp).chunk(self.ncrops)
        teacher_out = F.softmax((teacher_output - self.center) / temp, dim=-1).detach().chunk(2)
        total_loss, n_loss_terms = 0, 0
        for iq, q in enumerate(teacher_out):
            for v in range(len(student_out)):
                if v == iq:
                    continue  # the same crop
                total_loss = total_loss + torch.sum(-q * F.log_softmax(student_out[v], dim=-1), dim=-1).mean()
                n_loss_terms += 1
        total_loss = total_loss / n_loss_terms
        # DINOLoss.update_center (one device: no all_reduce)
        with torch.no_grad():
            batch_center = torch.sum(teacher_output, dim=0, keepdim=True) / len(teacher_output)
            self.center = self.center * self.center_momentum + batch_center * (1 - self.center_momentum)
        return total_loss

    def after_step(self, step, total):
        mom = ema_momentum(step, total, self.base_momentum)
        ema_update_(self.pairs, mom)
        return {'momentum': mom, 'teacherTemp': self.last_temp}


# ------------------------------------------------------------------ training
def lr_at(step, total, lr, warmup, min_lr):
    # MAE util/lr_sched.py adjust_learning_rate, in the lab's variant: the warm-up
    # ramps min_lr -> lr and reaches lr at step warmup - 1.
    if step < warmup:
        return min_lr + (lr - min_lr) * (step + 1) / warmup
    return min_lr + (lr - min_lr) * 0.5 * (1. + math.cos(math.pi * (step - warmup) / max(1, total - warmup)))


def param_groups(model, weight_decay):
    # timm/MAE param_groups_weight_decay: no decay for 1-D params (biases, norms) and tokens
    decay, no_decay = [], []
    for name, p in model.named_parameters():
        if not p.requires_grad:  # EMA target / teacher, DINO's fixed weight-norm gain
            continue
        if p.ndim <= 1 or name.endswith('.bias') or name.endswith('cls_token') or name.endswith('mask_token'):
            no_decay.append(p)
        else:
            decay.append(p)
    return [{'params': no_decay, 'weight_decay': 0.}, {'params': decay, 'weight_decay': weight_decay}]


def run(method):
    src = os.path.join(FIXTURES, 'parity_inputs', f'{method}.json.gz')
    with gzip.open(src, 'rt') as f:
        inp = json.load(f)
    cfg = inp['config']
    m, o, opts = cfg['model'], cfg['optim'], cfg['methodOptions']
    if method == 'supervised':
        model = Supervised(m, inp['numClasses'], opts)
    elif method == 'simclr':
        model = SimCLR(m, inp['numClasses'], opts)
    elif method == 'byol':
        model = BYOL(m, inp['numClasses'], opts)
    elif method == 'dino':
        model = DINO(m, inp['numClasses'], opts)
        model.schedule = model.teacher_temp_schedule(cfg['steps'])
    else:
        model = MAE(m, inp['numClasses'], opts, inp['decoder'])
    w = {k: unpack(v) for k, v in inp['weights'].items()}
    used = model.load(w, m)
    assert sorted(used) == sorted(w), f'weights not loaded: {sorted(set(w) - set(used))}, missing: {sorted(set(used) - set(w))}'
    if 'buffers' in inp:
        model.load_buffers({k: unpack(v) for k, v in inp['buffers'].items()})
    # DINO's weight-norm gains are constants (1), not lab variables
    n_params = sum(p.numel() for n, p in model.named_parameters() if not n.endswith('weight_g'))
    assert n_params == sum(t.numel() for t in w.values()), 'parameter count differs from the lab'
    opt = torch.optim.AdamW(param_groups(model, o['weightDecay']), lr=o['lr'], betas=(o['beta1'], o['beta2']), eps=o['eps'])
    params = [p for p in model.parameters() if p.requires_grad]
    records = []
    for rec in inp['steps']:
        step = rec['step']
        lr = lr_at(step, cfg['steps'], o['lr'], o['warmupSteps'], o['minLr'])
        for g in opt.param_groups:
            g['lr'] = lr
        opt.zero_grad()
        loss = model.loss(rec)
        loss.backward()
        norm = torch.nn.utils.clip_grad_norm_(params, o['clipNorm']) if o['clipNorm'] > 0 else None
        opt.step()
        # BYOL / DINO: the EMA of the target / teacher, after the optimiser step (its momentum, DINO's teacher temperature)
        extra = model.after_step(step, cfg['steps']) if hasattr(model, 'after_step') else {}
        records.append({'step': step, 'lr': lr, 'loss': loss.item(),
                        'gradNorm': None if norm is None else norm.item(),
                        'clipped': norm is not None and norm.item() > o['clipNorm'],
                        'batchDigest': rec['batchDigest'], **({'maskDigest': rec['maskDigest']} if 'maskDigest' in rec else {}),
                        **extra})
    lab = inp['labLosses']
    dev = [abs(a - r['loss']) / abs(r['loss']) for a, r in zip(lab, records)]
    out = {
        'method': method,
        'note': 'Written by scripts/parity/reference.py (PyTorch float64) from tests/fixtures/parity_inputs/'
                f'{method}.json.gz; regenerate both with `npm run parity`. Checked by tests/parity.test.ts.',
        'torch': torch.__version__,
        'input': inp['input'],
        'config': cfg,
        'weightsDigest': inp['weightsDigest'],
        'variables': [f"{k}[{','.join(map(str, v['shape']))}]" for k, v in sorted(inp['weights'].items())],
        'steps': records,
        'labLossesAtExport': lab,
        'maxRelDevAtExport': max(dev),
    }
    dst = os.path.join(FIXTURES, f'parity_{method}.json')
    with open(dst, 'w') as f:
        json.dump(out, f, indent=1)
        f.write('\n')
    clipped = sum(r['clipped'] for r in records)
    print(f'{method}: {len(records)} steps, clip fired on {clipped}, max rel dev of the lab (float32) '
          f'{max(dev):.2e} (first 5 steps {max(dev[:5]):.2e}) -> {dst}')
    print('  per-step rel dev: ' + ' '.join(f'{d:.0e}' for d in dev))
    print('  grad norms: ' + ' '.join(f'{r["gradNorm"]:.2f}' for r in records))


if __name__ == '__main__':
    torch.set_num_threads(1)
    for meth in (sys.argv[1:] or METHODS):
        assert meth in METHODS, f'unknown method {meth}'
        run(meth)
