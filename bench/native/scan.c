// The memory-bandwidth bound: one dot-product pass over n x dim float32 rows,
// compiled with -O3 -march=native -ffast-math so the compiler vectorizes it.
// Usage: scan FILE N DIM REPS -> prints the median pass time in ms.
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static double now_ms(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return t.tv_sec * 1e3 + t.tv_nsec / 1e6;
}

static int by_value(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

int main(int argc, char **argv) {
  if (argc != 5) return 2;
  long n = atol(argv[2]), dim = atol(argv[3]), reps = atol(argv[4]);
  float *rows = aligned_alloc(64, sizeof(float) * n * dim);
  float *out = malloc(sizeof(float) * n);
  double *times = malloc(sizeof(double) * reps);
  FILE *f = fopen(argv[1], "rb");
  if (!f || fread(rows, sizeof(float), n * dim, f) != (size_t)(n * dim)) return 3;
  fclose(f);
  const float *q = rows; // the first row as query: same bytes, same work
  double sink = 0;
  for (long r = 0; r < reps; r++) {
    double t = now_ms();
    for (long i = 0; i < n; i++) {
      const float *x = rows + i * dim;
      float s = 0;
      for (long j = 0; j < dim; j++) s += x[j] * q[j];
      out[i] = s;
    }
    times[r] = now_ms() - t;
    sink += out[r % n];
  }
  qsort(times, reps, sizeof(double), by_value);
  printf("%.4f %g\n", times[reps / 2], sink);
  return 0;
}
