# The paper's main experiment under a short name:
#     tools/dist_train.sh configs/sfnet_vimeo.py 4
# See configs/sfnet/sfnet_4xb6-600k_vimeo90k-bi.py.
_base_ = ['./sfnet/sfnet_4xb6-600k_vimeo90k-bi.py']

experiment_name = 'sfnet_vimeo'
work_dir = f'./work_dirs/{experiment_name}'
