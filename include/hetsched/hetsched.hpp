/// @file hetsched.hpp
/// @brief The umbrella header: everything a CPU-side user needs. No CUDA header is included.
#pragma once

#include "hetsched/actor_builder.hpp"
#include "hetsched/actor_handle.hpp"
#include "hetsched/buffer.hpp"
#include "hetsched/config.hpp"
#include "hetsched/error.hpp"
#include "hetsched/hardware.hpp"
#include "hetsched/introspection.hpp"
#include "hetsched/object_ref.hpp"
#include "hetsched/object_view.hpp"
#include "hetsched/runtime.hpp"
#include "hetsched/serializer.hpp"
#include "hetsched/task_builder.hpp"
#include "hetsched/task_context.hpp"
#include "hetsched/variants.hpp"
#include "hetsched/version.hpp"
#include "hetsched/wait_result.hpp"
