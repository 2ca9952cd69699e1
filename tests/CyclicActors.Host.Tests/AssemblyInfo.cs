using Xunit;

// The CLI writes to the process-wide Console; run these tests one at a time.
[assembly: CollectionBehavior(DisableTestParallelization = true)]
