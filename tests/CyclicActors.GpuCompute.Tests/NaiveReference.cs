namespace CyclicActors.GpuCompute.Tests;

/// <summary>Direct, double-precision reference implementations the optimised kernels are checked against.</summary>
internal static class NaiveReference
{
    /// <summary>
    /// C = A·B in double with A(i,k) = a[i·aRow + k·aCol], B(k,j) = b[k·bRow + j·bCol]; with
    /// <paramref name="magnitudes"/> set, Σ|A(i,k)·B(k,j)| instead, the scale of the round-off.
    /// </summary>
    public static double[] Gemm(int m, int n, int k, float[] a, int aRow, int aCol, float[] b, int bRow, int bCol, bool magnitudes = false)
    {
        var c = new double[m * n];
        for (int i = 0; i < m; i++)
        {
            for (int j = 0; j < n; j++)
            {
                double sum = 0;
                for (int p = 0; p < k; p++)
                {
                    double product = (double)a[(i * aRow) + (p * aCol)] * b[(p * bRow) + (j * bCol)];
                    sum += magnitudes ? Math.Abs(product) : product;
                }

                c[(i * n) + j] = sum;
            }
        }

        return c;
    }

    /// <summary>Direct cross-correlation with zero padding, PyTorch's Conv2d, in double.</summary>
    public static double[] Conv2d(float[] x, float[] w, float[] bias, Conv2dShape s)
    {
        int oh = s.OutHeight, ow = s.OutWidth;
        var y = new double[s.OutputElements];
        for (int n = 0; n < s.Batch; n++)
        {
            for (int o = 0; o < s.OutChannels; o++)
            {
                for (int r = 0; r < oh; r++)
                {
                    for (int c = 0; c < ow; c++)
                    {
                        double sum = bias[o];
                        for (int i = 0; i < s.InChannels; i++)
                        {
                            for (int kh = 0; kh < s.KernelH; kh++)
                            {
                                for (int kw = 0; kw < s.KernelW; kw++)
                                {
                                    int ih = (r * s.Stride) - s.Padding + kh, iw = (c * s.Stride) - s.Padding + kw;
                                    if (ih >= 0 && ih < s.Height && iw >= 0 && iw < s.Width)
                                    {
                                        sum += (double)x[(((n * s.InChannels) + i) * s.Height * s.Width) + (ih * s.Width) + iw]
                                            * w[(((o * s.InChannels) + i) * s.KernelH * s.KernelW) + (kh * s.KernelW) + kw];
                                    }
                                }
                            }
                        }

                        y[(((n * s.OutChannels) + o) * oh * ow) + (r * ow) + c] = sum;
                    }
                }
            }
        }

        return y;
    }

    /// <summary>
    /// MaxPool2d forward and backward by the rule of torch's CPU kernel: scanning each window in
    /// row-major order, an element replaces the current one if it is larger or NaN.
    /// </summary>
    public static (float[] Y, float[] Dx) MaxPool(float[] x, float[] dy, Pool2dShape s)
    {
        var y = new float[s.OutputElements];
        var dx = new float[s.InputElements];
        int oh = s.OutHeight, ow = s.OutWidth;
        for (int plane = 0; plane < s.Batch * s.Channels; plane++)
        {
            int inBase = plane * s.Height * s.Width, outBase = plane * oh * ow;
            for (int r = 0; r < oh; r++)
            {
                for (int c = 0; c < ow; c++)
                {
                    int best = inBase + (r * s.Stride * s.Width) + (c * s.Stride);
                    for (int kh = 0; kh < s.Window; kh++)
                    {
                        for (int kw = 0; kw < s.Window; kw++)
                        {
                            int index = inBase + (((r * s.Stride) + kh) * s.Width) + (c * s.Stride) + kw;
                            if (x[index] > x[best] || float.IsNaN(x[index]))
                            {
                                best = index;
                            }
                        }
                    }

                    y[outBase + (r * ow) + c] = x[best];
                    dx[best] += dy[outBase + (r * ow) + c];
                }
            }
        }

        return (y, dx);
    }
}
