#include "cuda/cuda_check.h"

#include "effnet/error.h"
#include "effnet/error.h"

namespace effnet {
namespace cuda {

bool is_sticky(cudaError_t err) {
  switch (err) {
    // The kernel faulted or the device failed: the documented "sticky" errors, after which every
    // later call in this process returns the same error.
    case cudaErrorIllegalAddress:
    case cudaErrorLaunchFailure:
    case cudaErrorLaunchTimeout:
    case cudaErrorHardwareStackError:
    case cudaErrorIllegalInstruction:
    case cudaErrorMisalignedAddress:
    case cudaErrorInvalidAddressSpace:
    case cudaErrorInvalidPc:
    case cudaErrorAssert:
    case cudaErrorTensorMemoryLeak:
    case cudaErrorECCUncorrectable:
    case cudaErrorNvlinkUncorrectable:
    case cudaErrorContained:
    case cudaErrorExternalDevice:
    case cudaErrorContextIsDestroyed:
    case cudaErrorDeviceUninitialized:
    case cudaErrorCudartUnloading:
    case cudaErrorPriorLaunchFailure:
    case cudaErrorUnknown:
      return true;
    default:
      return false;
  }
}

const char* error_code_for(cudaError_t err) {
  if (err == cudaErrorMemoryAllocation) return kErrCudaOom;
  if (is_sticky(err)) return kErrCudaLost;
  switch (err) {
    case cudaErrorNoDevice:
    case cudaErrorInsufficientDriver:
    case cudaErrorStubLibrary:
    case cudaErrorCallRequiresNewerDriver:
    case cudaErrorInitializationError:
    case cudaErrorDevicesUnavailable:
    case cudaErrorSystemDriverMismatch:
    case cudaErrorSystemNotReady:
    case cudaErrorCompatNotSupportedOnDevice:
    case cudaErrorInvalidDevice:
    // The binary has no SASS and no PTX this device (or its driver's JIT) can run.
    case cudaErrorNoKernelImageForDevice:
    case cudaErrorUnsupportedPtxVersion:
    case cudaErrorJitCompilerNotFound:
    case cudaErrorJitCompilationDisabled:
    case cudaErrorInvalidKernelImage:
      return kErrCudaUnavailable;
    default:
      return kErrInternal;
  }
}

std::string describe(cudaError_t err) {
  return std::string(cudaGetErrorName(err)) + " (" + cudaGetErrorString(err) + ", error " +
         std::to_string(int(err)) + ")";
}

void throw_cuda_error(cudaError_t err, const char* call, const char* file, int line) {
  // Clears a non-sticky error from the last-error slot; a sticky one stays whatever we do.
  (void)cudaGetLastError();
  throw Error(error_code_for(err), std::string(call) + " failed at " + file + ":" + std::to_string(line) + ": " +
                                       describe(err));
}

}  // namespace cuda
}  // namespace effnet
