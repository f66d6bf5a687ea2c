// libpq, PostgreSQL's client library (Debian's libpq-dev installs its headers here).
#include <postgresql/libpq-fe.h>
