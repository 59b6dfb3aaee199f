#!/usr/bin/python3
"""Training parity, step 2 of 2: an independent PyTorch (float64) reference.

    /usr/bin/python3 scripts/parity/reference.py [supervised|simclr|mae ...]
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
  * optimiser: torch.optim.AdamW with two parameter groups (weight decay on
    matrices/conv kernels only; not on biases, norms, cls/mask tokens), lr set
    per step from MAE's warm-up cosine (the lab's variant: warm-up ends at lr on
    step warmup-1, ramping from min_lr), torch.nn.utils.clip_grad_norm_.

Writes tests/fixtures/parity_<method>.json: the config, digests (copied from
the inputs, so the test can tell a changed generator from a changed model),
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
import torch.nn as nn
import torch.nn.functional as F

torch.set_default_dtype(torch.float64)
DT = torch.float64
HERE = os.path.dirname(os.path.abspath(__file__))
FIXTURES = os.path.join(HERE, '..', '..', 'tests', 'fixtures')
METHODS = ['supervised', 'simclr', 'mae']


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


def sincos_2d(embed_dim, grid_size, cls_token):
    # MAE get_2d_sincos_pos_embed: grid = meshgrid(grid_w, grid_h) (w first), emb_h from grid[0]
    gh = torch.arange(grid_size, dtype=DT)
    gw = torch.arange(grid_size, dtype=DT)
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
        x = self.patch_embed(imgs).flatten(2).transpose(1, 2)
        return x + self.pos_embed[:, 1:, :]

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


def load_vit(vit, w, p):
    d = vit.patch_embed.out_channels
    # lab: patch vector index (i * p + j) * 3 + c  ->  conv kernel [d, c, i, j]
    vit.patch_embed.weight.data.copy_(w['encoder.patch.w'].T.reshape(d, p, p, 3).permute(0, 3, 1, 2))
    vit.patch_embed.bias.data.copy_(w['encoder.patch.b'])
    vit.cls_token.data.copy_(w['encoder.cls'])
    return ['encoder.patch.w', 'encoder.patch.b', 'encoder.cls'] + load_blocks(vit.blocks, w, 'encoder') + load_ln(vit.norm, w, 'encoder.norm')


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
    else:
        model = MAE(m, inp['numClasses'], opts, inp['decoder'])
    w = {k: unpack(v) for k, v in inp['weights'].items()}
    used = model.load(w, m)
    assert sorted(used) == sorted(w), f'weights not loaded: {sorted(set(w) - set(used))}, missing: {sorted(set(used) - set(w))}'
    n_params = sum(p.numel() for p in model.parameters())
    assert n_params == sum(t.numel() for t in w.values()), 'parameter count differs from the lab'
    opt = torch.optim.AdamW(param_groups(model, o['weightDecay']), lr=o['lr'], betas=(o['beta1'], o['beta2']), eps=o['eps'])
    params = [p for p in model.parameters()]
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
        records.append({'step': step, 'lr': lr, 'loss': loss.item(),
                        'gradNorm': None if norm is None else norm.item(),
                        'clipped': norm is not None and norm.item() > o['clipNorm'],
                        'batchDigest': rec['batchDigest'], **({'maskDigest': rec['maskDigest']} if 'maskDigest' in rec else {})})
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
