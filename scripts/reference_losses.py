#!/usr/bin/python3
"""Reference values for the six pre-training losses of FLOP Lab.

Run with Debian's interpreter, which has torch installed:

    /usr/bin/python3 scripts/reference_losses.py

Writes tests/fixtures/reference_losses.json: for every case the inputs (nested
lists) and the loss computed in float64 by a torch re-implementation that
follows the structure of the original code:

  * classification: the multi-label one-hot averaging + label smoothing
    pseudo-code of Koppula et al. 2022, appendix A.3, then softmax CE, mean.
  * NT-Xent: google-research/simclr tf2/objective.py add_contrastive_loss
    (l2-normalised hidden, logits_aa/ab/ba/bb, LARGE_NUM mask on the diagonal).
  * BYOL: deepmind-research byol (helpers.regression_loss on l2-normalised
    vectors, the two symmetric terms, mean over the batch).
  * DINO: facebookresearch/dino main_dino.py DINOLoss.forward (chunk per crop,
    loop over iq/v skipping v == iq) and DINOLoss.update_center.
  * CLIP: openai/CLIP + mlfoundations/open_clip ClipLoss (F.normalize,
    logit_scale.exp(), symmetric F.cross_entropy with arange labels).
  * MAE: facebookresearch/mae models_mae.py patchify + forward_loss
    (norm_pix_loss with torch's default unbiased var).

Where FLOP Lab's convention differs from the original by a constant factor
(NT-Xent and BYOL, see the .ts doc comments), both numbers are stored:
`loss` is what our function must return, `official` what the original code
returns, and this script asserts the relation between them.

Gradients of one case per loss (w.r.t. the tensors the lab differentiates)
are stored too, computed with torch autograd in float64.
"""
import json
import math
import os
import random

import torch
import torch.nn.functional as F

torch.manual_seed(1234)
random.seed(1234)
DT = torch.float64

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'tests', 'fixtures',
                   'reference_losses.json')


def randn(*shape, scale=1.0):
    return torch.randn(*shape, dtype=DT) * scale


def lst(t):
    return t.detach().tolist()


# ---------------------------------------------------------------- classification
def smoothed_targets(labels, num_classes, smoothing):
    # y = one_hot(labels, K); y = sum(y, -2); y = y / sum(y, -1); smooth_labels(y, s)
    rows = []
    for row in labels:
        y = F.one_hot(torch.tensor(row), num_classes).to(DT)  # [L, K]
        y = y.sum(dim=-2)
        y = y / y.sum(dim=-1, keepdim=True)
        y = y * (1.0 - smoothing) + smoothing / num_classes
        rows.append(y)
    return torch.stack(rows)


def softmax_ce(logits, targets):
    return torch.mean(torch.sum(-targets * F.log_softmax(logits, dim=-1), dim=-1))


def classification_cases():
    cases = []
    for (b, k, s, scale) in [(5, 7, 0.1, 2.0), (4, 6, 0.0, 1.0), (6, 8, 0.2, 3.0)]:
        labels = []
        for _ in range(b):
            n = random.randint(1, 3)
            labels.append([random.randrange(k) for _ in range(n)])
        if s == 0.1:
            labels[0] = [2, 2, 5]  # duplicated label: one_hot summed counts it twice
        logits = randn(b, k, scale=scale)
        targets = smoothed_targets(labels, k, s)
        case = dict(labels=labels, numClasses=k, smoothing=s, logits=lst(logits),
                    targets=lst(targets), loss=softmax_ce(logits, targets).item())
        if not cases:
            lv = logits.clone().requires_grad_(True)
            softmax_ce(lv, targets).backward()
            case['gradLogits'] = lst(lv.grad)
        cases.append(case)
    return cases


# ---------------------------------------------------------------- NT-Xent (SimCLR)
LARGE_NUM = 1e9


def simclr_official(h1, h2, temperature):
    """tf2/objective.py add_contrastive_loss with hidden_norm=True, one replica."""
    h1 = F.normalize(h1, dim=-1, eps=1e-12)
    h2 = F.normalize(h2, dim=-1, eps=1e-12)
    n = h1.shape[0]
    labels = F.one_hot(torch.arange(n), 2 * n).to(DT)
    masks = F.one_hot(torch.arange(n), n).to(DT)
    logits_aa = h1 @ h1.T / temperature - masks * LARGE_NUM
    logits_bb = h2 @ h2.T / temperature - masks * LARGE_NUM
    logits_ab = h1 @ h2.T / temperature
    logits_ba = h2 @ h1.T / temperature
    loss_a = torch.sum(-labels * F.log_softmax(torch.cat([logits_ab, logits_aa], 1), -1), -1)
    loss_b = torch.sum(-labels * F.log_softmax(torch.cat([logits_ba, logits_bb], 1), -1), -1)
    return torch.mean(loss_a + loss_b)


def ntxent_paper(h1, h2, temperature):
    """SimCLR paper eq. 1: mean over the 2N anchors, self-similarity excluded."""
    z = torch.cat([F.normalize(h1, dim=-1), F.normalize(h2, dim=-1)], 0)
    n2 = z.shape[0]
    n = n2 // 2
    sim = z @ z.T / temperature
    total = 0.0
    for i in range(n2):
        j = (i + n) % n2
        others = torch.cat([sim[i, :i], sim[i, i + 1:]])
        total = total - (sim[i, j] - torch.logsumexp(others, 0))
    return total / n2


def ntxent_cases():
    cases = []
    for (n, d, t) in [(4, 6, 0.1), (4, 6, 0.5), (6, 8, 1.0), (5, 5, 0.2)]:
        z1 = randn(n, d)
        z2 = z1 + randn(n, d, scale=0.7)  # positives correlated, like two views
        official = simclr_official(z1, z2, t)
        paper = ntxent_paper(z1, z2, t)
        assert abs(official.item() / 2 - paper.item()) < 1e-12 * max(1.0, paper.item())
        case = dict(z1=lst(z1), z2=lst(z2), temperature=t, loss=paper.item(),
                    official=official.item())
        if not cases:
            a = z1.clone().requires_grad_(True)
            b = z2.clone().requires_grad_(True)
            ntxent_paper(a, b, t).backward()
            case['gradZ1'] = lst(a.grad)
            case['gradZ2'] = lst(b.grad)
        cases.append(case)
    return cases


# ---------------------------------------------------------------- BYOL
def l2_normalize_jax(x, eps=1e-12):
    return x * torch.rsqrt(torch.clamp(torch.sum(x * x, -1, keepdim=True), min=eps))


def regression_loss(x, y):
    nx, ny = l2_normalize_jax(x), l2_normalize_jax(y)
    return torch.sum((nx - ny) ** 2, dim=-1)


def byol_official(p1, z2, p2, z1):
    repr_loss = regression_loss(p1, z2.detach())
    repr_loss = repr_loss + regression_loss(p2, z1.detach())
    return torch.mean(repr_loss)


def byol_cases():
    cases = []
    for (b, d, noise) in [(5, 6, 1.0), (4, 8, 0.05), (6, 5, 3.0)]:
        z1 = randn(b, d)
        z2 = z1 + randn(b, d, scale=0.5)
        p1 = z2 + randn(b, d, scale=noise)
        p2 = z1 + randn(b, d, scale=noise)
        official = byol_official(p1, z2, p2, z1)
        # 2 - 2 cos form, averaged over the two directions
        cos1 = F.cosine_similarity(p1, z2, dim=-1)
        cos2 = F.cosine_similarity(p2, z1, dim=-1)
        half = torch.mean(0.5 * ((2 - 2 * cos1) + (2 - 2 * cos2)))
        assert abs(half.item() - official.item() / 2) < 1e-12
        case = dict(p1=lst(p1), z2=lst(z2), p2=lst(p2), z1=lst(z1), loss=half.item(),
                    official=official.item())
        if not cases:
            a = p1.clone().requires_grad_(True)
            c = p2.clone().requires_grad_(True)
            (byol_official(a, z2, c, z1) / 2).backward()
            case['gradP1'] = lst(a.grad)
            case['gradP2'] = lst(c.grad)
        cases.append(case)
    return cases


# ---------------------------------------------------------------- DINO
def dino_forward(student_output, teacher_output, center, ncrops, student_temp, teacher_temp):
    """DINOLoss.forward; student_output/teacher_output are the concatenated crops."""
    student_out = student_output / student_temp
    student_out = student_out.chunk(ncrops)
    teacher_out = F.softmax((teacher_output - center) / teacher_temp, dim=-1)
    teacher_out = teacher_out.detach().chunk(2)
    total_loss = 0
    n_loss_terms = 0
    for iq, q in enumerate(teacher_out):
        for v in range(len(student_out)):
            if v == iq:
                continue
            loss = torch.sum(-q * F.log_softmax(student_out[v], dim=-1), dim=-1)
            total_loss += loss.mean()
            n_loss_terms += 1
    total_loss /= n_loss_terms
    return total_loss


def dino_update_center(teacher_output, center, momentum):
    batch_center = torch.sum(teacher_output, dim=0, keepdim=True)
    batch_center = batch_center / len(teacher_output)  # world_size = 1
    return center * momentum + batch_center * (1 - momentum)


def dino_entropy(teacher_output, center, teacher_temp):
    logq = F.log_softmax((teacher_output - center) / teacher_temp, dim=-1)
    return torch.mean(torch.sum(-logq.exp() * logq, dim=-1))


def dino_cases():
    cases = []
    for (b, k, nlocal, st, tt, m) in [(4, 7, 2, 0.1, 0.04, 0.9), (4, 7, 2, 0.1, 0.07, 0.99),
                                      (3, 6, 3, 0.2, 0.05, 0.9), (5, 8, 0, 0.1, 0.04, 0.9)]:
        ncrops = 2 + nlocal
        student = [randn(b, k, scale=0.5) for _ in range(ncrops)]
        teacher = [randn(b, k, scale=0.2) for _ in range(2)]
        center = randn(1, k, scale=0.3)
        s_cat = torch.cat(student, 0)
        t_cat = torch.cat(teacher, 0)
        loss = dino_forward(s_cat, t_cat, center, ncrops, st, tt)
        case = dict(student=[lst(s) for s in student], teacher=[lst(t) for t in teacher],
                    center=lst(center), studentTemp=st, teacherTemp=tt, momentum=m,
                    loss=loss.item(),
                    newCenter=lst(dino_update_center(t_cat, center, m)),
                    entropy=dino_entropy(t_cat, center, tt).item())
        if not cases:
            svars = [s.clone().requires_grad_(True) for s in student]
            dino_forward(torch.cat(svars, 0), t_cat, center, ncrops, st, tt).backward()
            case['gradStudent'] = [lst(s.grad) for s in svars]
        cases.append(case)
    return cases


# ---------------------------------------------------------------- CLIP
def clip_forward(image, text, log_scale):
    image = F.normalize(image, dim=-1)
    text = F.normalize(text, dim=-1)
    logit_scale = log_scale.exp()
    logits_per_image = logit_scale * image @ text.T
    logits_per_text = logit_scale * text @ image.T
    labels = torch.arange(logits_per_image.shape[0])
    return (F.cross_entropy(logits_per_image, labels) + F.cross_entropy(logits_per_text, labels)) / 2


def clip_cases():
    cases = []
    for (b, d, ls) in [(5, 6, math.log(1 / 0.07)), (4, 8, math.log(100.0)), (6, 5, 0.0)]:
        image = randn(b, d)
        text = image + randn(b, d, scale=1.0)
        log_scale = torch.tensor(ls, dtype=DT)
        case = dict(image=lst(image), text=lst(text), logitScale=ls,
                    loss=clip_forward(image, text, log_scale).item())
        if not cases:
            a = image.clone().requires_grad_(True)
            c = text.clone().requires_grad_(True)
            s = log_scale.clone().requires_grad_(True)
            clip_forward(a, c, s).backward()
            case['gradImage'] = lst(a.grad)
            case['gradText'] = lst(c.grad)
            case['gradLogitScale'] = s.grad.item()
        cases.append(case)
    return cases


# ---------------------------------------------------------------- MAE
def mae_patchify(imgs, p):
    """imgs: (N, C, H, W) -> (N, L, p*p*C), MAE's einsum 'nchpwq->nhwpqc' (C generalised)."""
    assert imgs.shape[2] == imgs.shape[3] and imgs.shape[2] % p == 0
    c = imgs.shape[1]
    h = w = imgs.shape[2] // p
    x = imgs.reshape(imgs.shape[0], c, h, p, w, p)
    x = torch.einsum('nchpwq->nhwpqc', x)
    return x.reshape(imgs.shape[0], h * w, p ** 2 * c)


def mae_forward_loss(target, pred, mask, norm_pix_loss):
    if norm_pix_loss:
        mean = target.mean(dim=-1, keepdim=True)
        var = target.var(dim=-1, keepdim=True)  # unbiased (torch default)
        target = (target - mean) / (var + 1.e-6) ** .5
    loss = (pred - target) ** 2
    loss = loss.mean(dim=-1)
    loss = (loss * mask).sum() / mask.sum()
    return loss


def mae_cases():
    cases = []
    for (b, c, hw, p, ratio) in [(2, 3, 8, 4, 0.75), (3, 3, 6, 2, 0.5), (2, 1, 8, 2, 0.75)]:
        imgs = randn(b, c, hw, hw)  # NCHW, as MAE uses
        target = mae_patchify(imgs, p)
        n, d = target.shape[1], target.shape[2]
        pred = randn(b, n, d)
        mask = torch.zeros(b, n, dtype=DT)
        n_mask = max(1, int(round(n * ratio)))
        for i in range(b):
            mask[i, torch.randperm(n)[:n_mask]] = 1.0
        for norm_pix in (False, True):
            case = dict(imagesNHWC=lst(imgs.permute(0, 2, 3, 1)), patchSize=p, target=lst(target),
                        pred=lst(pred), mask=lst(mask), normPix=norm_pix,
                        loss=mae_forward_loss(target, pred, mask, norm_pix).item())
            if len(cases) < 2:
                pv = pred.clone().requires_grad_(True)
                mae_forward_loss(target, pv, mask, norm_pix).backward()
                case['gradPred'] = lst(pv.grad)
            cases.append(case)
    return cases


def main():
    data = dict(
        generator='scripts/reference_losses.py',
        torch=torch.__version__,
        classification=classification_cases(),
        ntxent=ntxent_cases(),
        byol=byol_cases(),
        dino=dino_cases(),
        clip=clip_cases(),
        mae=mae_cases(),
    )
    os.makedirs(os.path.dirname(OUT), exist_ok=True)
    # One case per line: small diffs, still plain JSON.
    parts = []
    for key, value in data.items():
        if isinstance(value, list):
            body = ',\n'.join('  ' + json.dumps(case) for case in value)
            parts.append(' %s: [\n%s\n ]' % (json.dumps(key), body))
        else:
            parts.append(' %s: %s' % (json.dumps(key), json.dumps(value)))
    with open(OUT, 'w') as f:
        f.write('{\n' + ',\n'.join(parts) + '\n}\n')
    counts = {k: len(v) for k, v in data.items() if isinstance(v, list)}
    print('wrote', os.path.normpath(OUT), counts)


if __name__ == '__main__':
    main()
