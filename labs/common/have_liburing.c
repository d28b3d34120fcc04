/* SPDX-License-Identifier: BSD-3-Clause */
/* have_liburing.c - build probe only: compiles and links iff liburing is usable. */
#include <liburing.h>

int main(void)
{
	struct io_uring ring;

	return io_uring_queue_init(1, &ring, 0) > 1;
}
