#include "capability/capability.h"
