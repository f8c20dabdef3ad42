"""The publishing engine in parts, one job each; `publishing.flows.Engine` puts them together.

`base` holds what every part shares (results, reasons, the job, tokens); `outcomes` what to do
with a result; `loading` and `uploading` are dispatch before and during the upload;
`verifying` is the status check.
"""
