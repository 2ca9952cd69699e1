using CyclicActors.GpuCompute.Memory;

namespace CyclicActors.GpuCompute.Cpu;

public sealed partial class CpuBackend
{
    public void Axpy(float alpha, TensorView x, TensorView y) => throw new NotImplementedException();
    public void Scale(float alpha, TensorView x) => throw new NotImplementedException();
    public void DenseForward(TensorView x, TensorView w, TensorView b, TensorView y, int batch, int inFeatures, int outFeatures) => throw new NotImplementedException();
    public void DenseBackwardData(TensorView dy, TensorView w, TensorView dx, int batch, int inFeatures, int outFeatures) => throw new NotImplementedException();
    public void DenseBackwardParameters(TensorView x, TensorView dy, TensorView dw, TensorView db, int batch, int inFeatures, int outFeatures) => throw new NotImplementedException();
    public void Conv2dForward(TensorView x, TensorView w, TensorView b, TensorView y, Conv2dShape shape) => throw new NotImplementedException();
    public void Conv2dBackwardData(TensorView dy, TensorView w, TensorView dx, Conv2dShape shape) => throw new NotImplementedException();
    public void Conv2dBackwardParameters(TensorView x, TensorView dy, TensorView dw, TensorView db, Conv2dShape shape) => throw new NotImplementedException();
    public void ReluForward(TensorView x, TensorView y) => throw new NotImplementedException();
    public void ReluBackward(TensorView y, TensorView dy, TensorView dx) => throw new NotImplementedException();
    public void MaxPoolForward(TensorView x, TensorView y, Pool2dShape shape) => throw new NotImplementedException();
    public void MaxPoolBackward(TensorView x, TensorView y, TensorView dy, TensorView dx, Pool2dShape shape) => throw new NotImplementedException();
    public float SoftmaxCrossEntropy(TensorView logits, TensorView oneHot, TensorView dlogits, int batch, int classes) => throw new NotImplementedException();
    public void SgdStep(TensorView weights, TensorView gradients, TensorView momentum, SgdHyperParameters hyper) => throw new NotImplementedException();
}
