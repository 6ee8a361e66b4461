#ifndef JOBRUN_CZEROMQ_SHIM_H
#define JOBRUN_CZEROMQ_SHIM_H
// libzmq's public header is all Swift needs; it imports cleanly, so no wrappers are declared here.
#include <zmq.h>
#endif
