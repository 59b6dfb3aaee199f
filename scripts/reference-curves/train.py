#!/usr/bin/python3
"""Reference learning curves (issue 18, item 2), step 2 of 2: an independent PyTorch BYOL / DINO
trained on the lab's exported data, probed like the lab.

    /usr/bin/python3 scripts/reference-curves/train.py DIR [--out=curve.json] [--threads=1]
    (DIR from scripts/reference-curves/export.ts; both for every seed: npm run reference-curves)

The model and methods are scripts/parity/reference.py's (the float64 re-implementation the parity
test holds the lab to: timm/MAE ViT, byol_experiment.py's BYOL, main_dino.py's DINO, the EMA, the
warm-up cosine lr, AdamW with matrices-only decay, global-norm clipping), imported, here in float32:
this is a curve, not parity. Everything of the recipe comes from the exported config (the lab's
defaults at export time): lr, schedule, clip, AdamW, EMA base momentum, DINO temperatures, centring,
heads, BYOL's predictor lr multiple. The per-step lr, EMA momentum and teacher temperature this
script computes are checked against the lab's exported ones, so a schedule change in the lab fails
here instead of drawing a different curve.

It trains from the lab's initial weights on the lab's views (float16 export), and scores the lab's
probe: weighted kNN (k from the config, weight exp(cos / 0.07), src/eval/knn.ts) on the method's
readout (class token for BYOL and DINO) of the exported probe images, before training (random init)
and after the same steps as the lab. Writes a JSON curve (default DIR/curve.json).
"""
import json
import math
import os
import sys
import time

try:
    import torch
except ImportError:  # `python3` may be a pyenv/venv interpreter without torch: use Debian's, which has it
    if os.path.exists('/usr/bin/python3') and os.path.realpath(sys.executable) != os.path.realpath('/usr/bin/python3'):
        os.execv('/usr/bin/python3', ['/usr/bin/python3', *sys.argv])
    raise
import numpy as np
import torch.nn.functional as F

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, '..', 'parity'))
import reference as ref  # noqa: E402  (sets float64 as the default dtype: undone below)

# float32 for the curve: the reference's tensors follow its module-level DT.
torch.set_default_dtype(torch.float32)
ref.DT = torch.float32
_unpack = ref.unpack
# The reference's losses unpack each view from the parity export's base64; here the views are
# tensors already (read from the float16 file): pass them through.
ref.unpack = lambda p: p if torch.is_tensor(p) else _unpack(p)

KNN_TEMPERATURE = 0.07  # src/eval/knn.ts knnVote (DINO's weighted kNN)
# Every option this script implements, by method (the reference's constructor reads them). An option
# the lab adds later is listed in the curve's `unhandledOptions` (and printed): its effect is not here.
HANDLED = {
    'byol': {'baseMomentum', 'projHiddenMult', 'projDim', 'predHiddenMult', 'predictorLrMult'},
    'dino': {'localCrops', 'localSize', 'prototypes', 'headHiddenMult', 'bottleneckDim', 'studentTemp', 'warmupTeacherTemp',
             'teacherTemp', 'teacherTempWarmup', 'baseMomentum', 'centerMomentum'},
}


def arg(name, default=None):
    for a in sys.argv[1:]:
        if a.startswith(f'--{name}='):
            return a.split('=', 1)[1]
    return default


def wilson(correct, total, z=1.959963984540054):
    # src/eval/interval.ts wilsonInterval
    if total == 0:
        return [0., 1.]
    p = correct / total
    z2n = z * z / total
    centre = (p + z2n / 2) / (1 + z2n)
    half = z / (1 + z2n) * math.sqrt(p * (1 - p) / total + z2n / (4 * total))
    return [0. if correct == 0 else max(0., centre - half), 1. if correct == total else min(1., centre + half)]


def readout(vit, images, kind, chunk=250):
    """The probe's features of NHWC images: class token ('cls') or mean patch token ('patch-mean')."""
    out = []
    with torch.no_grad():
        for i in range(0, images.shape[0], chunk):
            x = vit.encode(vit.embed(ref.nchw(images[i:i + chunk])))
            out.append(x[:, 0] if kind == 'cls' else x[:, 1:].mean(dim=1))
    return torch.cat(out)


def knn_probe(vit, probe, kind, k, num_classes):
    """src/eval/knn.ts knnProbe: l2-normalised features (norm + 1e-12), cosine top-k, votes exp(sim / T), ties to the lower class."""
    def emb(x):
        f = readout(vit, x, kind)
        return f / (f.norm(dim=1, keepdim=True) + 1e-12)
    ftrain, ftest = emb(probe['train']), emb(probe['test'])
    kk = min(k, ftrain.shape[0])
    sims, idx = (ftest @ ftrain.T).topk(kk, dim=1)
    votes = torch.zeros(ftest.shape[0], num_classes, dtype=torch.float64)
    votes.scatter_add_(1, probe['train_labels'][idx], torch.exp(sims.double() / KNN_TEMPERATURE))
    pred = votes.argmax(dim=1)  # the first maximal class, as the lab's strict '>' scan
    correct = int((pred == probe['test_labels']).sum())
    total = int(probe['test_labels'].numel())
    return {'accuracy': correct / total, 'correct': correct, 'total': total, 'interval': wilson(correct, total)}


def read_f32(path, shape):
    return torch.from_numpy(np.fromfile(path, dtype='<f4').reshape(shape).copy())


def step_views(mm, layout, per_step, step):
    off = step * per_step
    views = []
    for lay in layout:
        n = int(np.prod(lay['shape']))
        views.append(torch.from_numpy(mm[off:off + n].astype(np.float32).reshape(lay['shape'])))
        off += n
    return views


def param_groups(model, wd, method, opts):
    """The reference's decay rule (matrices and kernels decay; biases, norms, tokens not), each group split
    by lr multiple: BYOL's predictor trains at predictorLrMult x the schedule's lr (decay scaled with it, as
    the lab's AdamW: lrP * weightDecay)."""
    fast = set()
    mult = 1.
    if method == 'byol':
        mult = float(opts.get('predictorLrMult', 1))
        fast = {id(p) for p in model.predictor.parameters()}
    groups = []
    for g in ref.param_groups(model, wd):
        for is_fast in (False, True):
            params = [p for p in g['params'] if (id(p) in fast) == is_fast]
            if params:
                groups.append({'params': params, 'weight_decay': g['weight_decay'], 'lr_mult': mult if is_fast else 1.})
    return groups


def main():
    if len(sys.argv) < 2 or sys.argv[1].startswith('--'):
        print(__doc__)
        sys.exit(2)
    d = sys.argv[1]
    out_path = arg('out', os.path.join(d, 'curve.json'))
    torch.set_num_threads(int(arg('threads', '1')))
    with open(os.path.join(d, 'manifest.json')) as f:
        man = json.load(f)
    assert man['format'] == 'floplab-reference-curve-export' and man['version'] == 1, 'not a reference-curve export'
    method, cfg = man['method'], man['config']
    m, o, opts = cfg['model'], cfg['optim'], cfg['methodOptions']
    steps = cfg['steps']
    unhandled = sorted(set(opts) - HANDLED[method])
    if unhandled:
        print(f'WARNING: {method} options not implemented by this reference (their effect is missing): '
              + ', '.join(f'{k}={opts[k]!r}' for k in unhandled))
    torch.manual_seed(cfg['seed'])  # nothing random is drawn here (init and views are the lab's); for safety

    model = ref.BYOL(m, man['numClasses'], opts) if method == 'byol' else ref.DINO(m, man['numClasses'], opts)
    w = {k: ref.unpack(v) for k, v in man['weights'].items()}
    used = model.load(w, m)
    assert sorted(used) == sorted(w), f'weights not loaded: {sorted(set(w) - set(used))}, missing: {sorted(set(used) - set(w))}'
    if method == 'dino':
        model.load_buffers({k: ref.unpack(v) for k, v in man['buffers'].items()})
        model.schedule = model.teacher_temp_schedule(steps)

    # The schedules this script uses, against the lab's (exported per step).
    for s in man['steps']:
        i = s['step']
        assert abs(ref.lr_at(i, steps, o['lr'], o['warmupSteps'], o['minLr']) - s['lr']) < 1e-12, f'step {i}: lr differs from the lab'
        assert abs(ref.ema_momentum(i, steps, opts['baseMomentum']) - s['momentum']) < 1e-12, f'step {i}: EMA momentum differs from the lab'
        if method == 'dino':
            assert abs(float(model.schedule[i]) - s['teacherTemp']) < 1e-12, f'step {i}: teacher temperature differs from the lab'

    groups = param_groups(model, o['weightDecay'], method, opts)
    opt = torch.optim.AdamW(groups, lr=o['lr'], betas=(o['beta1'], o['beta2']), eps=o['eps'])
    params = [p for g in groups for p in g['params']]

    pr = man['probe']
    probe = {
        'train': read_f32(os.path.join(d, pr['train']['file']), pr['train']['shape']),
        'test': read_f32(os.path.join(d, pr['test']['file']), pr['test']['shape']),
        'train_labels': torch.tensor(pr['train']['labels'], dtype=torch.long),
        'test_labels': torch.tensor(pr['test']['labels'], dtype=torch.long),
    }
    kind = man['readout']
    assert pr['kind'] == 'knn', f"probe kind {pr['kind']}: only the kNN probe is implemented"
    probe_at = set(pr['steps'])

    views_path = os.path.join(d, man['views']['file'])
    per_step = man['views']['elementsPerStep']
    mm = np.memmap(views_path, dtype='<f2', mode='r')
    assert mm.size == per_step * steps, f'{views_path}: {mm.size} values for {steps} steps of {per_step}'
    layout = man['views']['layout']

    t0 = time.time()
    random_init = knn_probe(model.vit, probe, kind, pr['k'], pr['numClasses'])
    print(f'{method} seed {cfg["seed"]}: random init probe {100 * random_init["accuracy"]:.1f} %', flush=True)
    probes, losses, clipped = [], [], 0
    for i in range(steps):
        views = step_views(mm, layout, per_step, i)
        lr = ref.lr_at(i, steps, o['lr'], o['warmupSteps'], o['minLr'])
        for g in opt.param_groups:
            g['lr'] = lr * g['lr_mult']
        opt.zero_grad()
        loss = model.loss({'views': views, 'step': i})
        loss.backward()
        if o['clipNorm'] > 0:
            norm = torch.nn.utils.clip_grad_norm_(params, o['clipNorm'])
            clipped += int(norm.item() > o['clipNorm'])
        opt.step()
        model.after_step(i, steps)
        losses.append(loss.item())
        if not math.isfinite(losses[-1]):
            raise SystemExit(f'{method}: loss {losses[-1]} at step {i}')
        if i + 1 in probe_at:
            p = knn_probe(model.vit, probe, kind, pr['k'], pr['numClasses'])
            p.update({'step': i + 1, 'loss': losses[-1]})
            probes.append(p)
            print(f'  step {i + 1}/{steps}: loss {losses[-1]:.4f}, probe {100 * p["accuracy"]:.1f} % ({time.time() - t0:.0f} s)', flush=True)
    curve = {
        'method': method,
        'seed': cfg['seed'],
        'steps': steps,
        'torch': torch.__version__,
        'dtype': 'float32',
        'readout': kind,
        'weightsDigest': man['weightsDigest'],
        'unhandledOptions': unhandled,
        'randomInit': random_init,
        'probes': probes,
        'losses': losses,
        'clippedSteps': clipped,
        'wallS': time.time() - t0,
    }
    with open(out_path, 'w') as f:
        json.dump(curve, f, indent=1)
        f.write('\n')
    print(f'-> {out_path}')


if __name__ == '__main__':
    main()
