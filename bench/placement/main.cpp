// hetsched-bench: `placement` replays a workload on a modelled machine with each placement policy.
#include <cstdio>

int main() { std::puts("hetsched-bench: see issue 12"); }
