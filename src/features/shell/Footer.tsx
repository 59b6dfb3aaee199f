/** The FLOP conventions every figure on the page follows. */
export function Footer() {
  return <footer className="app-footer">FLOP conventions: 1 multiply-add = 2 FLOPs; elementwise 1 per output; counted from the kernels that ran.</footer>;
}
