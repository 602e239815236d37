/* shop/rt/sendq.h - many sends to many sockets in a few system calls
 * (sendq.c): the SSE writer's pass over a topic's streams queues one send
 * per stream, then submits them together through io_uring, each attempted
 * at once and never waiting (MSG_DONTWAIT), and hears how each went.
 *
 *   rt_sendq_add(q, fd, buf, len, tag)   ...   (queued: buf must stay
 *   rt_sendq_add(q, fd, buf, len, tag)         untouched until the flush)
 *   rt_sendq_flush(q, done, arg)         done(arg, tag, res) once per send
 *
 * Why: on this project's hosts (virtual machines) entering the kernel costs
 * about as much as the TCP send itself; one io_uring_enter per
 * RT_SENDQ_DEPTH sends instead of one send() each halves the CPU of a pass
 * (docs/performance.md, "realtime fan-out"). Where io_uring cannot be set
 * up (an old kernel, a sandbox that forbids it), every send is a send()
 * made at once, the same results through the same done.
 *
 * One thread owns a queue (it is not locked). */
#ifndef FARMLIVE_SHOP_RT_SENDQ_H
#define FARMLIVE_SHOP_RT_SENDQ_H

#include <stddef.h>
#include <sys/types.h>

#define RT_SENDQ_DEPTH 512 /* sends per io_uring_enter */

typedef struct rt_sendq rt_sendq;

/* done(arg, tag, res): res is the bytes the socket took (maybe fewer than
 * asked) or a negative errno (-EAGAIN: none, it is full). */
typedef void (*rt_sendq_done_fn)(void *arg, void *tag, ssize_t res);

/* A queue for the calling thread (io_uring when it can be had, else plain
 * sends); never NULL. */
rt_sendq *rt_sendq_new(void);
/* Accepts NULL; nothing may be queued. */
void rt_sendq_free(rt_sendq *q);

/* Queues a send of buf[0..len) to fd; when RT_SENDQ_DEPTH are queued, they
 * are flushed first (done called for them). */
void rt_sendq_add(rt_sendq *q, int fd, const void *buf, size_t len, void *tag, rt_sendq_done_fn done, void *arg);
/* Submits what is queued and calls done for each, in the order queued. */
void rt_sendq_flush(rt_sendq *q, rt_sendq_done_fn done, void *arg);

#endif
